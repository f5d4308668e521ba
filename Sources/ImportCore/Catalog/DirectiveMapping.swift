/// What the importer does with a directive it knows.
public enum Disposition: String, Sendable, Equatable, CaseIterable {
    /// Written as the pgfloat key named in the mapping.
    case translated
    /// pgfloat always behaves so; nothing to write and nothing to say.
    case implied
    /// No equivalent, and nothing is lost by dropping it; reported as a note.
    case ignored
    /// pgfloat has an equivalent but the importer cannot fill it in (a file to write, a risk to weigh): a warning
    /// says what to do.
    case manual
    /// No equivalent: the behaviour is lost; reported as a warning.
    case unsupported
}

/// Which configuration a directive belongs to.
public enum MappingSource: String, Sendable, Equatable, CaseIterable {
    case haproxy = "HAProxy"
    case keepalived
}

/// One row of the mapping between HAProxy/keepalived and pgfloat: the knowledge both the importer and the README
/// table are made from.
public struct DirectiveMapping: Sendable, Equatable {
    public var source: MappingSource
    /// The directive as an operator writes it, with placeholders (`stats socket PATH`).
    public var directive: String
    /// Where it may appear (`global`, `defaults, listen, backend`, `vrrp_instance`).
    public var context: String
    /// The pgfloat key(s) it becomes, in README notation (`[check] type = "patroni"`); empty when none.
    public var pgfloat: String
    public var disposition: Disposition
    /// How it is translated, or why it has no equivalent; the message of its note or warning when dropped.
    public var why: String

    public init(
        source: MappingSource, directive: String, context: String, pgfloat: String, disposition: Disposition,
        why: String
    ) {
        self.source = source
        self.directive = directive
        self.context = context
        self.pgfloat = pgfloat
        self.disposition = disposition
        self.why = why
    }
}
