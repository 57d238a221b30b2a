import DequeModule
import OrderedCollections

/// The pool's wait queue: one FIFO per client (a session), served round-robin, so a session that
/// submits ten thousand jobs at once delays another session's single job by at most one job per
/// other waiting client, not by ten thousand. Bounded: `push` refuses beyond `capacity` jobs in
/// all, which is the pool's backpressure.
///
/// A pure value; `SandboxPool`'s scheduler guards it with a lock.
struct FairQueue<Element> {
    private var queues: OrderedDictionary<String, Deque<Element>> = [:]
    /// The index in `queues` of the client served next.
    private var cursor = 0
    /// Jobs waiting, across clients.
    private(set) var count = 0
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0, "a queue needs room for at least one job")
        self.capacity = capacity
    }

    var isEmpty: Bool { count == 0 }

    /// The number of clients with waiting jobs.
    var clients: Int { queues.count }

    /// Appends `element` to `client`'s queue; false when the queue is full.
    mutating func push(_ element: Element, client: String) -> Bool {
        guard count < capacity else { return false }
        queues[client, default: []].append(element)
        count += 1
        return true
    }

    /// The oldest job of the next client in turn.
    mutating func pop() -> Element? {
        guard !queues.isEmpty else { return nil }
        if cursor >= queues.count { cursor = 0 }
        let element = queues.values[cursor].removeFirst()
        count -= 1
        if queues.values[cursor].isEmpty {
            queues.remove(at: cursor)  // the next client slides into `cursor`
        } else {
            cursor += 1
        }
        return element
    }

    /// Removes and returns the first job that matches, wherever it waits.
    mutating func remove(where matches: (Element) -> Bool) -> Element? {
        for index in queues.values.indices {
            if let position = queues.values[index].firstIndex(where: matches) {
                let element = queues.values[index].remove(at: position)
                count -= 1
                if queues.values[index].isEmpty {
                    queues.remove(at: index)
                    if cursor > index { cursor -= 1 }
                }
                return element
            }
        }
        return nil
    }

    /// Empties the queue, returning every job in it.
    mutating func removeAll() -> [Element] {
        let all = queues.values.flatMap { Array($0) }
        queues.removeAll()
        cursor = 0
        count = 0
        return all
    }
}
