/// Turns overlapping candidates into a sorted, non-overlapping list: longer matches win, and among
/// equally long ones the more specific kind (checksum-validated first, phone numbers last).
enum PIIOverlapResolver {
    /// Candidates are grouped into clusters of transitively overlapping ones; a lone candidate is kept
    /// as is, and only real clusters (usually two or three matches) are ranked. Linear after the sort.
    static func resolve(_ candidates: [PIICandidate]) -> [PIICandidate] {
        guard candidates.count > 1 else { return candidates }
        let sorted = candidates.sorted { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }
        var result = [PIICandidate]()
        result.reserveCapacity(sorted.count)
        var i = 0
        while i < sorted.count {
            var j = i + 1
            var clusterEnd = sorted[i].end
            while j < sorted.count, sorted[j].start < clusterEnd {
                clusterEnd = max(clusterEnd, sorted[j].end)
                j += 1
            }
            if j == i + 1 {
                result.append(sorted[i])
            } else {
                result.append(contentsOf: resolveCluster(sorted[i..<j]))
            }
            i = j
        }
        return result
    }

    private static func resolveCluster(_ cluster: ArraySlice<PIICandidate>) -> [PIICandidate] {
        let ranked = cluster.sorted {
            if $0.length != $1.length { return $0.length > $1.length }
            if specificity($0.type) != specificity($1.type) { return specificity($0.type) > specificity($1.type) }
            return $0.start < $1.start
        }
        var kept = [PIICandidate]()
        for candidate in ranked where !kept.contains(where: { $0.start < candidate.end && candidate.start < $0.end }) {
            kept.append(candidate)
        }
        return kept.sorted { $0.start < $1.start }
    }

    static func specificity(_ type: EntityType) -> Int {
        switch type {
        case .iban: return 9
        case .paymentCard: return 8
        case .ssn: return 7
        case .medicalRecordNumber, .dateOfBirth: return 6
        case .email, .ipAddress: return 5
        case .custom: return 3
        case .phone: return 2
        }
    }
}
