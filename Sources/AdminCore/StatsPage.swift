/// `/stats`: the page a DBA reads at a glance, in the spirit of HAProxy's stats page.
///
/// It is well-formed XML (XHTML syntax: every element closed, every attribute quoted, every text escaped with
/// ``Escaping/html(_:)``) so it can be checked by any XML parser, and self-contained (inline CSS, no script, no
/// external resource) so it works from a bastion host without internet access and under a strict CSP.
public enum StatsPage {
    /// The whole page; the browser reloads it every `refreshSeconds` (at least 1, so 0 cannot make it spin).
    public static func render(_ snapshot: StatsSnapshot, refreshSeconds: Int) -> String {
        let process = snapshot.process
        var body = [element("h1", "pgfloat on \(process.node)")]
        if process.splitBrain {
            body.append(element(
                "p", "SPLIT BRAIN: several servers claim to be primary; no primary is chosen.", class: "alert"))
        }
        body.append(summary(process))
        for (_, listener, servers) in snapshot.pools {
            body.append(listenerSection(listener, servers: servers))
        }
        body.append(vrrpSection(snapshot.vrrp))
        if let dcs = snapshot.dcs { body.append(dcsSection(dcs)) }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta http-equiv="refresh" content="\(max(1, refreshSeconds))"/>
            <title>\(Escaping.html("pgfloat on \(process.node)"))</title>
            <style>\(StatsPage.css)</style>
            </head>
            <body>
            \(body.joined(separator: "\n"))
            </body>
            </html>

            """
    }

    private static func summary(_ process: ProcessStats) -> String {
        let badStartups = process.badStartups.values.reduce(0, +)
        let rows = [
            ("Version", process.version), ("PID", "\(process.pid)"),
            ("Uptime", Formatting.uptime(seconds: process.uptimeSeconds)),
            ("Primary", process.primary ?? "none"),
            ("Split-brain events", "\(process.splitBrainEvents)"),
            ("Sessions", "\(process.currentSessions) now, \(process.totalSessions) total, maxconn \(process.maxconn)"),
            ("Queued", "\(process.queued)"),
            ("Cancels", cancels(process)),
            ("Errors", "\(process.acceptErrors) accept, \(badStartups) bad startup packets"),
        ].map { name, value in "<tr>" + element("th", name) + element("td", value) + "</tr>" }
        return "<table class=\"summary\">\n" + rows.joined(separator: "\n") + "\n</table>"
    }

    /// "12 forwarded (owner 10, broadcast 2), 3 dropped (rate-limited 3)": the totals, then the non-zero labels.
    private static func cancels(_ process: ProcessStats) -> String {
        func detail(_ counts: [String: Int]) -> String {
            let parts = counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            return parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"
        }
        return "\(process.cancelsForwardedTotal) forwarded\(detail(process.cancelsForwarded)), "
            + "\(process.cancelsDroppedTotal) dropped\(detail(process.cancelsDropped))"
    }

    private static let serverColumns = [
        "Server", "Address", "Role", "Status", "Admin", "Weight", "Cur", "Max", "Limit", "Total", "Bytes in",
        "Bytes out", "Timeline", "Lag", "Check", "Check ms", "Conn errors", "Last change", "Downtime",
    ]

    private static func listenerSection(_ listener: ListenerStats, servers: [ServerStats]) -> String {
        let heading = element("h2", "\(listener.name) (\(listener.role), \(listener.balance))")
        let facts = "binds \(listener.binds.joined(separator: " ")); \(listener.eligibleServers) of \(servers.count)"
            + " servers eligible; queue \(listener.queueCurrent) now, \(listener.queueMax) max,"
            + " \(listener.queueTimeouts) timed out"
        let header = "<tr>" + serverColumns.map { element("th", $0) }.joined() + "</tr>"
        let total = [
            element("th", "Total"), "<td colspan=\"5\"></td>", element("td", "\(listener.sessionsCurrent)"),
            element("td", "\(listener.sessionsMax)"), element("td", limit(listener.sessionsLimit)),
            element("td", "\(listener.sessionsTotal)"), element("td", Formatting.bytes(listener.bytesIn)),
            element("td", Formatting.bytes(listener.bytesOut)), "<td colspan=\"7\"></td>",
        ]
        return heading + "\n" + element("p", facts, class: "facts") + "\n<table>\n<thead>" + header
            + "</thead>\n<tbody>\n" + servers.map(serverRow).joined(separator: "\n") + "\n</tbody>\n<tfoot><tr>"
            + total.joined() + "</tr></tfoot>\n</table>"
    }

    private static func serverRow(_ server: ServerStats) -> String {
        let cells = [
            element("td", server.name + (server.backup ? " (backup)" : "")), element("td", server.address),
            element("td", server.role), element("td", server.status, class: statusClass(server.status)),
            element("td", server.adminState.rawValue, class: server.adminState == .ready ? nil : "warn"),
            element("td", "\(server.weight)/\(server.configuredWeight)"), element("td", "\(server.sessionsCurrent)"),
            element("td", "\(server.sessionsMax)"), element("td", limit(server.sessionsLimit)),
            element("td", "\(server.sessionsTotal)"), element("td", Formatting.bytes(server.bytesIn)),
            element("td", Formatting.bytes(server.bytesOut)), element("td", server.timeline.map { "\($0)" } ?? "-"),
            element("td", server.lagBytes.map(Formatting.bytes) ?? "-"),
            // The check error goes in a tooltip: it can be long, and the status is what is read at a glance.
            element("td", server.checkType + " " + server.checkStatus, title: server.checkError),
            element("td", server.checkDurationMilliseconds.map { "\($0)" } ?? "-"),
            element("td", "\(server.connectFailures)"),
            element("td", server.lastChangeSeconds.map { Formatting.shortDuration(seconds: $0) } ?? "-"),
            element("td", Formatting.shortDuration(seconds: server.downtimeSeconds)),
        ]
        return "<tr>" + cells.joined() + "</tr>"
    }

    private static func vrrpSection(_ instances: [VRRPInstanceStats]) -> String {
        let heading = element("h2", "VRRP")
        guard !instances.isEmpty else { return heading + "\n" + element("p", "No VRRP instance configured.") }
        let header = ["Instance", "Interface", "VRID", "State", "Priority", "Effective", "Reasons", "Master",
                      "Since", "Virtual addresses"].map { element("th", $0) }.joined()
        let rows = instances.map { instance in
            let cells = [
                element("td", instance.name), element("td", instance.interface),
                element("td", "\(instance.virtualRouterID)"),
                element("td", instance.state, class: instance.state == "FAULT" ? "down" : nil),
                element("td", "\(instance.priority)"), element("td", "\(instance.effectivePriority)"),
                element("td", instance.priorityReasons.joined(separator: ", ")),
                element("td", instance.masterAddress ?? "-"),
                element("td", instance.secondsSinceTransition.map { Formatting.shortDuration(seconds: $0) } ?? "-"),
                element("td", instance.virtualAddresses.joined(separator: " ")),
            ]
            return "<tr>" + cells.joined() + "</tr>"
        }
        return heading + "\n<table>\n<thead><tr>" + header + "</tr></thead>\n<tbody>\n" + rows.joined(separator: "\n")
            + "\n</tbody>\n</table>"
    }

    /// One line on the store: whether it is watched, who leads, and what decides writes now.
    private static func dcsSection(_ dcs: DCSStats) -> String {
        let leader = dcs.leader.map { leader in leader + (dcs.leaderServer.map { " (\($0))" } ?? " (no server)") }
        let text = "\(dcs.type) \(dcs.state)" + (dcs.endpoint.isEmpty ? "" : " via \(dcs.endpoint)")
            + ", revision \(dcs.revision), leader \(leader ?? "none"), writes: \(dcs.writes)"
            + ", on loss: \(dcs.onLoss), disagreements: \(dcs.disagreements)"
        let alert = dcs.state != "connected" || dcs.writes == "fenced" ? "alert" : nil
        return element("h2", "Patroni store") + "\n" + element("p", text, class: alert)
    }

    /// `<tag class="..." title="...">text</tag>`, every value escaped: the only way text enters the page.
    private static func element(_ tag: String, _ text: String, class cssClass: String? = nil, title: String? = nil)
        -> String
    {
        var attributes = ""
        if let cssClass { attributes += " class=\"\(Escaping.html(cssClass))\"" }
        if let title { attributes += " title=\"\(Escaping.html(title))\"" }
        return "<\(tag)\(attributes)>\(Escaping.html(text))</\(tag)>"
    }

    /// The CSS class coloring a server status the way HAProxy's page does: green up, red down, orange for an
    /// operator's drain or maintenance, grey when not checked yet.
    private static func statusClass(_ status: String) -> String {
        switch status {
        case "UP": return "up"
        case "DOWN": return "down"
        case "DRAIN", "MAINT": return "warn"
        default: return "unknown"
        }
    }

    private static func limit(_ value: Int) -> String {
        value > 0 ? "\(value)" : "-"
    }

    /// No `&` or `<` in it, so it needs no escaping inside `<style>`.
    private static let css = """
        body{font-family:sans-serif;font-size:13px;margin:1em}\
        table{border-collapse:collapse;margin-bottom:1em}\
        th,td{border:1px solid #bbb;padding:2px 6px;text-align:right}\
        th{background:#eee}td:first-child,th:first-child{text-align:left}\
        table.summary td{text-align:left}\
        .up{background:#8e8;color:#000}.down{background:#f66;color:#000}\
        .warn{background:#fb5;color:#000}.unknown{background:#ccc;color:#000}\
        .alert{background:#d00;color:#fff;font-weight:bold;padding:6px}\
        .facts{color:#444}
        """
}
