/// How answers are laid out on the admin socket, as HAProxy lays them out so that scripts written for it (which
/// read until an empty line, or until the connection closes) work unchanged.
public enum AdminResponse {
    /// Written after a line's answers while the connection is interactive (after `prompt`).
    public static let prompt = "> "

    /// One command's answer: its text, ending with a newline if not empty, then one empty line.
    ///
    /// Pass an error's ``AdminCommandError/message`` the same way; `prompt` answers the empty string (`"\n"`).
    public static func frame(_ output: String) -> String {
        if output.isEmpty || output.hasSuffix("\n") { return output + "\n" }
        return output + "\n\n"
    }
}
