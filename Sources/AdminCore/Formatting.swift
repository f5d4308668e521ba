/// Number and duration formats shared by the reports; integer arithmetic only, so output never depends on the
/// locale.
enum Formatting {
    /// HAProxy's `show info` uptime, `0d 0h01m02s`.
    static func uptime(seconds: Int) -> String {
        let seconds = max(0, seconds)
        let (days, hours) = (seconds / 86_400, seconds / 3_600 % 24)
        return "\(days)d \(hours)h\(twoDigits(seconds / 60 % 60))m\(twoDigits(seconds % 60))s"
    }

    /// A short duration for people (`45s`, `3m07s`, `2h05m`, `4d03h`): the two largest units are enough to
    /// judge how long a server has been in its state.
    static func shortDuration(seconds: Int) -> String {
        let seconds = max(0, seconds)
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3_600: return "\(seconds / 60)m\(twoDigits(seconds % 60))s"
        case ..<86_400: return "\(seconds / 3_600)h\(twoDigits(seconds / 60 % 60))m"
        default: return "\(seconds / 86_400)d\(twoDigits(seconds / 3_600 % 24))h"
        }
    }

    /// A byte count in binary units with one decimal (`512 B`, `1.5 KiB`, `20.0 GiB`), rounded down.
    static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var unit = 0
        var scale: UInt64 = 1
        while unit + 1 < units.count, count / scale >= 1_024 {
            unit += 1
            scale *= 1_024
        }
        guard unit > 0 else { return "\(count) B" }
        return "\(count / scale).\(count % scale * 10 / scale) \(units[unit])"
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
