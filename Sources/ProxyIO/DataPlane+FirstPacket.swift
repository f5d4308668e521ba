import CSysShim
import Glibc
import PGWire

extension DataPlane {
    /// Reads what a client sent before it has a server, keeping it for the server (or for the refusal).
    ///
    /// Returns false when the session was closed (the client went away or misbehaved).
    func readEarlyClientBytes(_ session: Session) -> Bool {
        while true {
            guard session.toServer.count < Self.earlyBytesLimit else {
                session.clientUnread = true
                return true
            }
            let n = shim_read(session.clientFD, readBuffer.baseAddress, readBuffer.count)
            if n > 0 {
                session.lastClientActivity = now
                session.bytesIn &+= UInt64(n)
                session.listener.traffic.bytesIn &+= UInt64(n)
                session.toServer.append(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
                if n < readBuffer.count { return true }
            } else if n == -Int(EAGAIN) {
                return true
            } else {
                // EOF or error before the session was relayed: the client gave up (or never spoke).
                end(session, .clientClose)
                return false
            }
        }
    }

    /// The client's first packet decides what happens to the connection.
    func handleFirstPacket(_ session: Session) {
        guard readEarlyClientBytes(session) else { return }
        let classification = session.toServer.withUnwritten { FirstPacketHeader.classify($0) }
        switch classification {
        case .needMore:
            return
        case .rejected(let reason):
            counters.badStartups[reason, default: 0] += 1
            logger.warning(
                "invalid first packet", metadata: ["client": "\(session.client)", "reason": "\(reason.rawValue)"])
            session.endReason = .badStartup
            refuse(session, with: .protocolViolation(reason))
        case .cancelRequest(let length):
            guard session.toServer.count >= length else { return }
            let parsed = session.toServer.withUnwritten { FirstPacketParser.parse($0) }
            if case .complete(.cancel(let request), _) = parsed {
                cancels.forward(request, from: session.client, on: session.listener, loop: self)
                end(session, .cancelForwarded)
            } else {
                counters.badStartups[.badCancelKeyLength, default: 0] += 1
                end(session, .badStartup)
            }
        case .directTLS:
            // PostgreSQL 17's sslnegotiation=direct: the ClientHello goes to the server untouched, as a startup.
            counters.directTLSSessions += 1
            admitAndRoute(session)
        case .sslRequest, .gssencRequest:
            beginCancelKeyScan(session, clientOpenedWith: .encryptionRequest)
            admitAndRoute(session)
        case .startup:
            beginCancelKeyScan(session, clientOpenedWith: .startup)
            admitAndRoute(session)
        }
    }

    /// Answers the client as a PostgreSQL server would before closing: 'N' to TLS/GSS requests, then the
    /// ErrorResponse once the startup message is in, so psql prints our message instead of "server closed the
    /// connection unexpectedly". A direct TLS client is only closed: it reads TLS records, not ErrorResponses.
    func refuse(_ session: Session, with error: ErrorResponse) {
        session.phase = .refusing(error)
        session.refusingSince = now
        continueRefusal(session)
    }

    /// Moves a refusal on with what the client has sent so far.
    func continueRefusal(_ session: Session) {
        guard case .refusing(let error) = session.phase else { return }
        // A client may try GSS, then TLS, then plaintext on one connection: a few rounds at most.
        for _ in 0..<4 {
            let parsed = session.toServer.withUnwritten { FirstPacketParser.parse($0) }
            switch parsed {
            case .needMore:
                return
            case .directTLS:
                // Plaintext would reach the client's TLS library as a broken record; a close says "no server"
                // (libpq 17 reports the closed connection). Nothing is written, so no TLS alert either.
                end(session, session.endReason ?? .refused)
                return
            case .complete(.sslRequest, let consumed), .complete(.gssencRequest, let consumed):
                session.toServer.consume(consumed)
                var refusal = EncryptionRefusal.byte
                guard shim_write(session.clientFD, &refusal, 1) == 1 else {
                    end(session, session.endReason ?? .clientClose)
                    return
                }
            case .complete, .rejected:
                let bytes = error.encoded
                _ = bytes.withUnsafeBytes { shim_write(session.clientFD, $0.baseAddress, $0.count) }
                // Everything the client sent has been read, so closing sends FIN, not RST: the error arrives.
                Glibc.shutdown(session.clientFD, Int32(SHUT_WR))
                end(session, session.endReason ?? .refused)
                return
            }
        }
        end(session, session.endReason ?? .refused)
    }
}
