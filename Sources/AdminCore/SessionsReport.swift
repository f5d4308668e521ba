/// `show sessions` (HAProxy's `show sess`, in pgfloat's own one-line form): one line per client connection,
/// oldest first, `id listener client -> server phase age=Ns in=N out=N`, `-` for a server not chosen yet.
public enum SessionsReport {
    /// One line per session; empty when there is none, as HAProxy answers.
    public static func render(_ snapshot: StatsSnapshot) -> String {
        snapshot.sessions.map { session in
            let words = [session.id, session.listener, session.client, "->", session.server ?? "", session.phase]
            return words.map(Escaping.word).joined(separator: " ")
                + " age=\(session.ageSeconds)s in=\(session.bytesIn) out=\(session.bytesOut)\n"
        }.joined()
    }
}
