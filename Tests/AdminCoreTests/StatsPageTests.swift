import AdminCore
import XCTest

#if canImport(FoundationXML)
import FoundationXML
#endif

final class StatsPageTests: XCTestCase {
    func testPageIsWellFormedXML() throws {
        let page = StatsPage.render(Fixtures.snapshot, refreshSeconds: 5)
        let document = try XMLSummary(page)
        XCTAssertTrue(page.hasPrefix("<!DOCTYPE html>\n"))
        XCTAssertEqual(document.elements.first?.name, "html")
        XCTAssertEqual(document.elements.filter { $0.name == "table" }.count, 1 + 2 + 1, "summary, 2 listeners, VRRP")
        let refresh = document.elements.first { $0.attributes["http-equiv"] == "refresh" }
        XCTAssertEqual(refresh?.attributes["content"], "5")
        XCTAssertFalse(page.contains("<script"))
        XCTAssertFalse(page.contains("http://") || page.contains("https://"), "no external resource")
    }

    func testStatusColorsAndCheckErrorTooltip() throws {
        let document = try XMLSummary(StatsPage.render(Fixtures.snapshot, refreshSeconds: 5))
        let cells = document.elements.filter { $0.name == "td" }
        XCTAssertEqual(cells.first { $0.text == "UP" }?.attributes["class"], "up")
        XCTAssertEqual(cells.first { $0.text == "MAINT" }?.attributes["class"], "warn")
        XCTAssertEqual(cells.first { $0.text == "DRAIN" }?.attributes["class"], "warn")
        XCTAssertEqual(cells.first { $0.text == "pgsql L4CON" }?.attributes["title"], "connection refused")
        var down = Fixtures.snapshot
        down.servers[1].status = "DOWN"
        let downCells = try XMLSummary(StatsPage.render(down, refreshSeconds: 5)).elements
        XCTAssertEqual(downCells.first { $0.text == "DOWN" }?.attributes["class"], "down")
    }

    func testSplitBrainWarningOnlyWhenSplit() throws {
        XCTAssertFalse(try XMLSummary(StatsPage.render(Fixtures.snapshot, refreshSeconds: 5)).contains(class: "alert"))
        var split = Fixtures.snapshot
        split.process.splitBrain = true
        let document = try XMLSummary(StatsPage.render(split, refreshSeconds: 5))
        XCTAssertTrue(document.contains(class: "alert"))
    }

    func testHostileNamesAreEscaped() throws {
        var snapshot = Fixtures.renamingFirstListener(to: Fixtures.hostileName)
        snapshot.servers[2].checkError = "bad \"quote\" <tag> & 'x'\u{0}\u{1B}"
        snapshot.process.node = "</title><script>"
        let page = StatsPage.render(snapshot, refreshSeconds: 5)
        XCTAssertTrue(page.contains("a&lt;b&amp;&quot;c&#39; (primary, first)"), page)
        XCTAssertTrue(page.contains("title=\"bad &quot;quote&quot; &lt;tag&gt; &amp; &#39;x&#39;\u{FFFD}\u{FFFD}\""))
        XCTAssertFalse(page.contains("<script>"))
        let document = try XMLSummary(page)
        XCTAssertTrue(document.elements.contains { $0.name == "h2" && $0.text == "a<b&\"c' (primary, first)" })
    }

    func testStoreLineAlertsWhileTheStoreIsLost() throws {
        var snapshot = Fixtures.snapshot
        snapshot.dcs = DCSStats(
            type: "etcd3", state: "lost", revision: 42, leader: "node1", leaderServer: "pg1", writes: "fenced",
            onLoss: "fence")
        let document = try XMLSummary(StatsPage.render(snapshot, refreshSeconds: 5))
        let line = document.elements.first { $0.name == "p" && $0.text.hasPrefix("etcd3") }
        XCTAssertEqual(
            line?.text,
            "etcd3 lost, revision 42, leader node1 (pg1), writes: fenced, on loss: fence, disagreements: 0")
        XCTAssertEqual(line?.attributes["class"], "alert")
    }

    func testNoVRRPAndNoServers() throws {
        var snapshot = Fixtures.snapshot
        snapshot.vrrp = []
        snapshot.servers = []
        let document = try XMLSummary(StatsPage.render(snapshot, refreshSeconds: 0))
        XCTAssertTrue(document.elements.contains { $0.name == "p" && $0.text == "No VRRP instance configured." })
        let refresh = document.elements.first { $0.attributes["http-equiv"] == "refresh" }
        XCTAssertEqual(refresh?.attributes["content"], "1", "a refresh of 0 would reload in a loop")
    }
}

/// The elements of an XML document in document order, each with its attributes and direct text; parsing fails
/// (throws) on any well-formedness error, as Python's `xml.etree` would.
private struct XMLSummary {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
    }

    private(set) var elements: [Element] = []

    init(_ document: String) throws {
        let parser = XMLParser(data: Data(document.utf8))
        let collector = Collector()
        parser.delegate = collector
        guard parser.parse() else {
            throw parser.parserError ?? NSError(domain: "XMLSummary", code: 1)
        }
        XCTAssertEqual(collector.open.count, 0)
        elements = collector.elements
    }

    func contains(class name: String) -> Bool {
        elements.contains { $0.attributes["class"] == name }
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        var open: [Int] = []

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            open.append(elements.count)
            elements.append(Element(name: elementName, attributes: attributes))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let current = open.last { elements[current].text += string }
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
        ) {
            open.removeLast()
        }
    }
}

final class StatsPageCancelTests: XCTestCase {
    func testTheSummaryBreaksCancelsDownByTargetAndReason() throws {
        let document = try XMLSummary(StatsPage.render(Fixtures.snapshot, refreshSeconds: 5))
        let cells = document.elements.filter { $0.name == "td" }.map(\.text)
        XCTAssertTrue(
            cells.contains("7 forwarded (broadcast 2, owner 5), 1 dropped (rate-limited 1)"), "\(cells.prefix(10))")
    }
}
