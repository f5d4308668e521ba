import PGWire

// Learning which server holds which backend key, so a CancelRequest can go to that server alone.
//
// Contract: a session scans the server's bytes from its first one until the scanner decides (BackendKeyData,
// ReadyForQuery, an error, encryption, malformed bytes or its byte limit), and never after: the relay's only
// cost is the `scansForCancelKey` check. A key found is in `cancels.keys` exactly while its session is open.

extension DataPlane {
    /// The client's first packet was a startup or an encryption request: read the server's answer for its key.
    func beginCancelKeyScan(_ session: Session, clientOpenedWith start: BackendKeyScanner.Start) {
        session.cancelKeyScanner = BackendKeyScanner(start: start)
        session.scansForCancelKey = true
    }

    /// Feeds bytes the server sent (and the relay is passing on) to the session's scanner.
    func scanForCancelKey(_ session: Session, _ bytes: UnsafeRawBufferPointer) {
        guard case .finished(let outcome) = session.cancelKeyScanner.scan(bytes) else { return }
        session.scansForCancelKey = false
        switch outcome {
        case .key, .noKey: prepareKernelHandoff(session, encrypted: false)
        case .encrypted: prepareKernelHandoff(session, encrypted: true)
        case .serverError, .malformed, .tooLong: break
        }
        guard case .key(let key) = outcome, let server = session.server else { return }
        session.cancelKey = key
        cancels.keys.insert(
            key, owner: .init(address: server.address, slot: session.slot, generation: session.generation))
    }

    /// The session is ending: its key no longer names a backend.
    func forgetCancelKey(of session: Session) {
        guard let key = session.cancelKey else { return }
        cancels.keys.remove(key, slot: session.slot, generation: session.generation)
        session.cancelKey = nil
    }

    /// Whether the session in `slot` at `generation` is still open.
    func isOpen(slot: Int, generation: UInt32) -> Bool {
        slot < sessions.count && sessions[slot]?.generation == generation
    }
}
