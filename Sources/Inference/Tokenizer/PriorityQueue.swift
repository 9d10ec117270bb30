/// A binary max-heap: `pop()` returns the greatest element.
///
/// Merge candidates define `<` so that "greater" means "merge first", mirroring the comparators
/// llama.cpp passes to `std::priority_queue`.
struct PriorityQueue<Element: Comparable> {
    private var storage: [Element] = []

    var isEmpty: Bool { storage.isEmpty }

    mutating func removeAll() { storage.removeAll(keepingCapacity: true) }

    mutating func push(_ element: Element) {
        storage.append(element)
        var child = storage.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard storage[parent] < storage[child] else { break }
            storage.swapAt(parent, child)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard !storage.isEmpty else { return nil }
        if storage.count == 1 { return storage.removeLast() }
        let top = storage[0]
        storage[0] = storage.removeLast()
        var parent = 0
        let count = storage.count
        while true {
            let left = 2 * parent + 1
            if left >= count { break }
            var largest = left
            let right = left + 1
            if right < count && storage[left] < storage[right] { largest = right }
            guard storage[parent] < storage[largest] else { break }
            storage.swapAt(parent, largest)
            parent = largest
        }
        return top
    }
}
