import DeviceAgent
import Foundation
import XCTest

final class SlotStoreTests: XCTestCase {
    private func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("outpost-slots-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func stage(_ store: SlotStore, _ bytes: [UInt8], id: String, seq: UInt64) throws -> SlotInfo {
        let file = store.stagingDirectory.appendingPathComponent("\(id).download")
        try Data(bytes).write(to: file)
        let info = SlotInfo(id: id, name: "m", version: "v\(seq)", sha256: String(repeating: "a", count: 64),
                            sizeBytes: Int64(bytes.count), sequence: seq, installedAt: Date(timeIntervalSince1970: 0))
        try store.install(verifiedFile: file, manifest: Data("{}".utf8), info: info)
        return info
    }

    func testInstallActivateAndSwitchAtomically() throws {
        let store = try SlotStore(root: try tempDir())
        XCTAssertNil(store.activeSlot())
        let a = try stage(store, [1, 2, 3], id: "1-m-v1", seq: 1)
        try store.activate(a.id)
        XCTAssertEqual(store.activeSlot(), "1-m-v1")
        XCTAssertEqual(try store.info(of: a.id), a)
        let b = try stage(store, [4, 5, 6, 7], id: "2-m-v2", seq: 2)
        try store.activate(b.id)
        XCTAssertEqual(store.activeSlot(), "2-m-v2")
        let served = try Data(contentsOf: store.root.appendingPathComponent("active/model.gguf"))
        XCTAssertEqual([UInt8](served), [4, 5, 6, 7])
        // No temporary links are left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: store.root.path).filter { $0.hasPrefix(".active") }
        XCTAssertEqual(leftovers, [])
    }

    func testAnIncompleteSlotCannotBeActivated() throws {
        let store = try SlotStore(root: try tempDir())
        let dir = store.slotsDirectory.appendingPathComponent("3-m-v3")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data([1, 2]).write(to: dir.appendingPathComponent("model.gguf"))
        XCTAssertThrowsError(try store.activate("3-m-v3"))
        XCTAssertNil(store.activeSlot())
        // A slot whose model lost bytes is incomplete too.
        let a = try stage(store, [1, 2, 3], id: "1-m-v1", seq: 1)
        try Data([1]).write(to: store.slotsDirectory.appendingPathComponent("1-m-v1/model.gguf"))
        XCTAssertThrowsError(try store.activate(a.id)) { error in
            guard case AgentError.corruptState = error else { return XCTFail("\(error)") }
        }
    }

    func testSlotNamesCannotEscapeTheDataDirectory() throws {
        let store = try SlotStore(root: try tempDir())
        for bad in ["..", "../x", "", "a/b"] {
            XCTAssertThrowsError(try store.directory(of: bad)) { error in
                XCTAssertEqual(error as? AgentError, .invalidSlotName(bad))
            }
        }
        XCTAssertEqual(SlotStore.slotID(name: "../evil model", version: "1/2", sha256: "ABCDEF0123456789ff"), ".._evil_model-1_2-abcdef012345")
    }

    func testGarbageCollectionKeepsTheNamedSlots() throws {
        let store = try SlotStore(root: try tempDir())
        for i in 1...4 { _ = try stage(store, [UInt8(i)], id: "\(i)-m-v\(i)", seq: UInt64(i)) }
        try Data([9]).write(to: store.stagingDirectory.appendingPathComponent("old.partial"))
        store.collectGarbage(keep: ["3-m-v3", "4-m-v4"])
        XCTAssertEqual(store.allSlots(), ["3-m-v3", "4-m-v4"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.stagingDirectory.path), [])
    }

    func testAnUpdateThatCannotFitIsRefusedBeforeItStarts() throws {
        let store = try SlotStore(root: try tempDir())
        XCTAssertThrowsError(try store.ensureSpace(for: Int64.max / 2)) { error in
            guard case AgentError.insufficientDisk(let needed, let available, _) = error else { return XCTFail("\(error)") }
            XCTAssertGreaterThan(needed, available)
        }
        XCTAssertThrowsError(try store.ensureSpace(for: Int64.max)) // overflow of size + margin is refused, not a trap
        XCTAssertNoThrow(try store.ensureSpace(for: 1024))
    }
}
