import ConfigModel
import NetTypes

/// Translates keepalived.conf into `[[vrrp]]` tables and `[global] script_user`.
///
/// Three passes: `global_defs` and `vrrp_script` first (an instance may use them before they are written), then
/// each `vrrp_instance`, then the scripts nobody tracked.
struct KeepalivedTranslator {
    /// A `vrrp_script` as written.
    struct ScriptDefinition {
        var name: String
        var origin: Origin
        var script: Sourced<String>?
        var interval: Sourced<Duration>?
        var timeout: Sourced<Duration>?
        var weight: Sourced<Int>?
        var fall: Sourced<Int>?
        var rise: Sourced<Int>?
        var isUsed = false
    }

    /// `global_defs` values every instance inherits.
    struct InstanceDefaults {
        var version: Sourced<Int>?
        var garpMasterDelay: Sourced<Duration>?
        var garpMasterRepeat: Sourced<Int>?
        var garpMasterRefresh: Sourced<Duration>?
        var garpLowerPriorityDelay: Sourced<Duration>?
        var garpLowerPriorityRepeat: Sourced<Int>?
        var higherPriorityAdvert: Sourced<Bool>?
    }

    let source: ImportSource
    var log = DiagnosticLog()
    var scriptUser: Sourced<String>?
    var instances: [ImportedVRRP] = []
    var defaults = InstanceDefaults()
    var scripts: [String: ScriptDefinition] = [:]
    var scriptOrder: [String] = []

    init(source: ImportSource) {
        self.source = source
    }

    func origin(_ node: KeepalivedNode, _ directive: String? = nil) -> Origin {
        Origin(
            path: source.path, line: node.line, directive: directive ?? node.keyword, displayName: source.displayName)
    }

    mutating func translate(_ document: KeepalivedDocument) {
        for problem in document.problems {
            log.warn(
                Origin(path: source.path, line: problem.line, directive: "{ }", displayName: source.displayName),
                problem.message)
        }
        var instanceNodes: [KeepalivedNode] = []
        for node in document.nodes {
            guard let directive = KeepalivedDirective.named(node.keyword, in: .topLevel) else {
                log.warn(origin(node), "not known to the importer; not translated")
                continue
            }
            switch directive {
            case .globalDefs:
                guard let children = block(node) else { continue }
                for child in children { readGlobal(child) }
            case .vrrpScript:
                readScript(node)
            case .vrrpInstance:
                instanceNodes.append(node)
            default:
                log.dropped(origin(node), directive.mapping)
            }
        }
        var taken: Set<String> = []
        for node in instanceNodes {
            guard let instance = readInstance(node, taken: taken) else { continue }
            taken.insert(instance.name)
            instances.append(instance)
        }
        for name in scriptOrder {
            guard let script = scripts[name], !script.isUsed else { continue }
            log.note(script.origin, "\(name) is tracked by no vrrp_instance; not translated")
        }
    }

    /// The statements of a block, or nil (reported) when the statement opens none.
    mutating func block(_ node: KeepalivedNode) -> [KeepalivedNode]? {
        guard let children = node.children else {
            log.warn(origin(node), "expected a { } block; not translated")
            return nil
        }
        return children
    }

    mutating func value(_ node: KeepalivedNode) -> String? {
        guard let value = node.arguments.first else {
            log.warn(origin(node), "expected a value; not translated")
            return nil
        }
        return value
    }

    mutating func integer(_ node: KeepalivedNode, in range: ClosedRange<Int>) -> Sourced<Int>? {
        guard let text = value(node) else { return nil }
        guard let number = KeepalivedValues.integer(text), range.contains(number) else {
            log.warn(origin(node), "expected a whole number in \(range), got \"\(text)\"; not translated")
            return nil
        }
        return Sourced(number, origin(node))
    }

    /// A keyword that is a boolean switch: alone it means true, as in keepalived.
    mutating func flag(_ node: KeepalivedNode) -> Sourced<Bool>? {
        guard let text = node.arguments.first else { return Sourced(true, origin(node)) }
        guard let flag = KeepalivedValues.boolean(text) else {
            log.warn(origin(node), "expected true or false, got \"\(text)\"; not translated")
            return nil
        }
        return Sourced(flag, origin(node))
    }

    mutating func seconds(_ node: KeepalivedNode, allowZero: Bool = false) -> Sourced<Duration>? {
        guard let text = value(node) else { return nil }
        guard let duration = KeepalivedValues.seconds(text), allowZero || duration > .zero else {
            log.warn(origin(node), "expected seconds, got \"\(text)\"; not translated")
            return nil
        }
        return Sourced(duration, origin(node))
    }

    private mutating func readGlobal(_ node: KeepalivedNode) {
        guard let directive = KeepalivedDirective.named(node.keyword, in: .globalDefs) else {
            log.warn(origin(node), "not known to the importer; not translated")
            return
        }
        switch directive {
        case .scriptUser:
            guard let user = value(node) else { return }
            scriptUser = Sourced(user, origin(node))
            if node.arguments.count > 1 { log.note(origin(node), directive.mapping.why) }
        case .defaultVersion:
            defaults.version = integer(node, in: 2...3)
        case .defaultGarp:
            switch node.keyword {
            case "vrrp_garp_master_delay": defaults.garpMasterDelay = seconds(node, allowZero: true)
            case "vrrp_garp_master_repeat": defaults.garpMasterRepeat = integer(node, in: 1...100)
            case "vrrp_garp_lower_prio_delay": defaults.garpLowerPriorityDelay = seconds(node, allowZero: true)
            case "vrrp_garp_lower_prio_repeat": defaults.garpLowerPriorityRepeat = integer(node, in: 0...100)
            default: defaults.garpMasterRefresh = seconds(node, allowZero: true)
            }
        case .defaultHigherPriorityAdvert:
            defaults.higherPriorityAdvert = flag(node)
        case .scriptSecurity, .skipCheckAdvAddr:
            break
        default:
            log.dropped(origin(node), directive.mapping)
        }
    }

    private mutating func readScript(_ node: KeepalivedNode) {
        guard let children = block(node) else { return }
        guard let name = node.arguments.first else {
            log.warn(origin(node), "a vrrp_script needs a name; not translated")
            return
        }
        var definition = ScriptDefinition(name: name, origin: origin(node))
        for child in children {
            guard let directive = KeepalivedDirective.named(child.keyword, in: .vrrpScript) else {
                log.warn(origin(child), "not known to the importer; not translated")
                continue
            }
            switch directive {
            case .script:
                definition.script = value(child).map { Sourced($0, origin(child)) }
            case .scriptInterval: definition.interval = seconds(child)
            case .scriptTimeout: definition.timeout = seconds(child)
            case .scriptWeight: definition.weight = integer(child, in: -253...253)
            case .scriptFall: definition.fall = integer(child, in: 1...100)
            case .scriptRise: definition.rise = integer(child, in: 1...100)
            default: log.dropped(origin(child), directive.mapping)
            }
        }
        if scripts[name] != nil {
            log.warn(origin(node), "vrrp_script \(name) is defined twice; kept the last")
        } else {
            scriptOrder.append(name)
        }
        scripts[name] = definition
    }
}
