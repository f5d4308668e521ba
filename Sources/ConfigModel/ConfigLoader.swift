import TOMLKit

/// Turns the text of a `pgfloat.toml` into a validated ``PGFloatConfig``.
///
/// Pure: the caller reads the file, so loading is testable and a reload can validate before anything changes.
public enum ConfigLoader {
    /// Parses and validates one configuration.
    ///
    /// - Parameters:
    ///   - text: The whole file.
    ///   - path: Used only in messages and stored in the result.
    /// - Throws: ``ConfigErrors`` listing every problem found (a syntax error stops at the first), sorted by line.
    public static func load(text: String, path: String) throws -> PGFloatConfig {
        let document = try parseTOML(text, path: path)
        let diagnostics = Diagnostics(path: path, text: text)
        var draft = DocumentDraft()
        documentSchema.read(document, at: .root, into: &draft, diagnostics: diagnostics)

        checkServerNames(draft.servers, diagnostics: diagnostics)
        checkGlobal(draft.global, diagnostics: diagnostics)
        checkProbeRequirements(draft, diagnostics: diagnostics)
        let serverNames = draft.servers.compactMap(\.name)
        checkListeners(draft.listeners, servers: serverNames, diagnostics: diagnostics)
        checkLagPolicies(draft, diagnostics: diagnostics)
        checkPatroniSelections(draft, diagnostics: diagnostics)
        checkRoleAwareness(draft, diagnostics: diagnostics)
        checkVRRP(draft.vrrp, diagnostics: diagnostics)
        checkDCS(draft.dcs, diagnostics: diagnostics)
        guard !diagnostics.hasProblems else { throw ConfigErrors(diagnostics.sortedProblems) }

        return PGFloatConfig(
            path: path, global: draft.global, defaults: draft.defaults, check: draft.check,
            servers: draft.servers.compactMap(\.config),
            listeners: draft.listeners.compactMap { $0.config(allServers: serverNames) },
            vrrp: draft.vrrp.compactMap(\.config), dcs: draft.dcs?.config)
    }

    /// The tables a file may contain; the root of the schema tree.
    static var documentSchema: TableSchema<DocumentDraft> {
        TableSchema([
            KeyRule("global") { field, draft in field.table(globalSchema, into: &draft.global) },
            KeyRule("defaults") { field, draft in field.table(defaultsSchema, into: &draft.defaults) },
            KeyRule("check") { field, draft in field.table(checkSchema, into: &draft.check) },
            KeyRule("server") { field, draft in
                draft.servers = field.arrayOfTables(serverSchema) { ServerDraft(line: $0) }
            },
            KeyRule("listener") { field, draft in
                draft.listeners = field.arrayOfTables(listenerSchema) { ListenerDraft(line: $0) }
            },
            KeyRule("vrrp") { field, draft in draft.vrrp = field.arrayOfTables(vrrpSchema) { VRRPDraft(line: $0) } },
            KeyRule("dcs") { field, draft in
                var dcs = DCSDraft(line: field.line)
                field.table(dcsSchema, into: &dcs)
                draft.dcs = dcs
            },
        ])
    }
}

/// The whole file as read, before the checks that span tables.
struct DocumentDraft {
    var global = GlobalSettings()
    var defaults = Defaults()
    var check = CheckSettings()
    var servers: [ServerDraft] = []
    var listeners: [ListenerDraft] = []
    var vrrp: [VRRPDraft] = []
    var dcs: DCSDraft?
}
