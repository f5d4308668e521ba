// admin-command: what a client writes to the admin socket, cut into lines as AdminIO's AdminLineDecoder cuts it
// (LF, an optional CR before it, lossy UTF-8, a line over `AdminSession.maxLineBytes` ends the stream), then
// through `AdminSession.receive(line:)`, which runs `AdminCommandLine.split` and `AdminCommand.parse`. Each line is
// also parsed whole, `;` and all, as one command.
//
// Input: the byte stream.
//
// Beyond "no trap", it checks what the runtime API promises operators and scripts: split pieces are trimmed,
// non-empty and hold no `;`; an error is one printable line of bounded length, so echoing hostile input can
// neither forge output lines nor flood; the session closes exactly when it writes no prompt; parsed values are in
// range (weights 0...256, non-empty names).

import AdminCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdminCommand(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let stream = input.rest()
    var session = AdminSession()
    for line in lines(of: stream) {
        let step: AdminSessionStep
        switch line {
        case .line(let text):
            step = session.receive(line: text)
            checkStep(step, line: text, session: session)
            check(AdminCommand.parse(text))
        case .oversized:
            step = session.receiveOversizedLine()
            fuzzCheck(step.close, "an oversized line must close")
        }
        if step.close { break }
    }
    return 0
}

enum Line {
    case line(String)
    case oversized
}

/// The lines AdminLineDecoder would deliver for `stream`, the last one without its newline included.
func lines(of stream: [UInt8]) -> [Line] {
    var lines: [Line] = []
    var start = 0
    while start < stream.count {
        let newline = stream[start...].firstIndex(of: UInt8(ascii: "\n"))
        let end = newline ?? stream.count
        guard end - start <= AdminSession.maxLineBytes else {
            lines.append(.oversized)
            break
        }
        var bytes = stream[start..<end]
        if newline != nil, bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        lines.append(.line(String(decoding: bytes, as: UTF8.self)))
        start = end + 1
    }
    return lines
}

func checkStep(_ step: AdminSessionStep, line: String, session: AdminSession) {
    let pieces = AdminCommandLine.split(line)
    for piece in pieces {
        let scalars = piece.unicodeScalars
        fuzzCheck(!scalars.isEmpty && !scalars.contains(";"), "split piece \(piece.debugDescription)")
        fuzzCheck(!isBlank(scalars.first!) && !isBlank(scalars.last!), "untrimmed piece \(piece.debugDescription)")
    }
    fuzzCheck(step.commands.count <= pieces.count, "\(step.commands.count) commands from \(pieces.count) pieces")
    for command in step.commands { check(command) }
    fuzzCheck(step.close == step.trailer.isEmpty, "close \(step.close) with trailer \(step.trailer.debugDescription)")
    fuzzCheck(step.close || session.isInteractive, "a non-interactive session stays open")
}

func check(_ command: Result<AdminCommand, AdminCommandError>) {
    switch command {
    case .failure(let error):
        let scalars = error.message.unicodeScalars
        fuzzCheck(!scalars.isEmpty && scalars.count <= 200, "error of \(scalars.count) scalars")
        fuzzCheck(!scalars.contains(where: isUnprintable), "unprintable error \(error.message.debugDescription)")
        fuzzCheck(AdminResponse.frame(error.message).hasSuffix("\n\n"), "error frame")
    case .success(.setServerWeight(let server, let weight)):
        check(server)
        fuzzCheck((0...AdminCommand.maxWeight).contains(weight), "weight \(weight)")
    case .success(.setServerState(let server, _)), .success(.disableServer(let server)),
        .success(.enableServer(let server)), .success(.shutdownSessions(let server)):
        check(server)
    case .success(.setVRRPState(let instance, _)):
        fuzzCheck(isWord(instance), "VRRP instance \(instance.debugDescription)")
    case .success(.showServersState(let listener?)):
        fuzzCheck(isWord(listener), "listener \(listener.debugDescription)")
    case .success(.help), .success(.prompt), .success(.quit), .success(.showInfo), .success(.showStat),
        .success(.showServersState(nil)), .success(.showServersRoles), .success(.showSessions), .success(.showVRRP),
        .success(.showDCS), .success(.clearTimeline):
        break
    }
}

func check(_ server: ServerReference) {
    fuzzCheck(isWord(server.server), "server \(server.server.debugDescription)")
    if let listener = server.listener {
        fuzzCheck(isWord(listener) && listener != "*", "listener \(listener.debugDescription)")
    }
}

/// A non-empty name without blanks, as a word of a command must be.
func isWord(_ text: String) -> Bool {
    !text.isEmpty && !text.unicodeScalars.contains(where: isBlank)
}

func isBlank(_ scalar: Unicode.Scalar) -> Bool {
    scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n"
}

/// What must never reach an operator's terminal from an error: controls, format characters, line separators.
func isUnprintable(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .control, .format, .lineSeparator, .paragraphSeparator: return true
    default: return false
    }
}
