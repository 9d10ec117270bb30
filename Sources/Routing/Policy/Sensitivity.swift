/// Rules 1 and 2 of the policy: the caller's mark and the detectors' findings combined.
struct Sensitivity {
    /// The more restrictive of the caller's class and the detectors' (detected entities count as `restricted`).
    let effective: ClassificationSummary
    /// The caller marked the request `restricted`.
    let callerRestricted: Bool
    /// May leave the device, but only redacted.
    let redactable: Bool
    /// Must never leave the device.
    let edgeOnly: Bool

    init(caller: DataClass?, detected: ClassificationSummary, redaction: RedactionMode) {
        callerRestricted = caller == .restricted
        let hasEntities = !detected.entityTypes.isEmpty
        let detectedRestricted = detected.dataClass == .restricted || hasEntities
        redactable = !callerRestricted && hasEntities && redaction == .on
        edgeOnly = callerRestricted || (detectedRestricted && !redactable)
        let classes = [caller ?? .public, detected.dataClass, hasEntities ? .restricted : .public]
        effective = ClassificationSummary(dataClass: classes.max() ?? .public, entityTypes: detected.entityTypes)
    }

    /// Why the request is edge-only; names entity types, never values.
    var edgeOnlyExplanation: String {
        if callerRestricted { return "The caller marked the data restricted; it is served on this device only." }
        let types = effective.entityTypeNames
        if types.isEmpty { return "The detectors classified the data as restricted; it is served on this device only." }
        return "Detected \(types.joined(separator: ", ")) and redaction is off; the data is served on this device only."
    }
}
