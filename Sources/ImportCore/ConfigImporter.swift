/// What an import produced: the pgfloat.toml text and what could not be carried over.
public struct ImportResult: Sendable {
    public var toml: String
    /// In file order: haproxy.cfg's first, then keepalived.conf's.
    public var diagnostics: [ImportDiagnostic]
    public var listenerCount: Int
    public var serverCount: Int
    public var vrrpCount: Int

    public var warnings: [ImportDiagnostic] { diagnostics.filter { $0.severity == .warning } }

    /// Whether anything at all was translated: no listener and no VRRP instance means an empty import.
    public var translatedNothing: Bool { listenerCount == 0 && vrrpCount == 0 }
}

/// Turns an HAProxy configuration, and optionally a keepalived one, into a pgfloat configuration.
///
/// Pure: the caller reads the files. The HAProxy side gives `[global]`, `[defaults]`, `[check]`, `[[server]]`
/// and `[[listener]]`; the keepalived side `[[vrrp]]` and `script_user`. Every directive is translated or reported,
/// as ``MappingTable`` says.
public enum ConfigImporter {
    public static func translate(haproxy: ImportSource, keepalived: ImportSource? = nil) -> ImportResult {
        var reader = HAProxyReader(source: haproxy)
        reader.read(HAProxyDocument(text: haproxy.text))
        var assembler = HAProxyAssembler(model: reader.model, log: reader.log)
        assembler.assemble()
        var config = assembler.config
        var log = assembler.log
        var sources = [haproxy.displayName]
        if let keepalived {
            var translator = KeepalivedTranslator(source: keepalived)
            translator.translate(KeepalivedDocument(text: keepalived.text))
            config.vrrp = translator.instances
            config.global.scriptUser = translator.scriptUser
            log.append(contentsOf: translator.log)
            sources.append(keepalived.displayName)
        }
        let ordered = log.entries.enumerated().sorted { lhs, rhs in
            let left = (lhs.element.file == haproxy.path ? 0 : 1, lhs.element.line, lhs.offset)
            let right = (rhs.element.file == haproxy.path ? 0 : 1, rhs.element.line, rhs.offset)
            return left < right
        }.map(\.element)
        return ImportResult(
            toml: TOMLRenderer.render(config, sources: sources), diagnostics: ordered,
            listenerCount: config.listeners.count, serverCount: config.servers.count, vrrpCount: config.vrrp.count)
    }
}
