import Inference

/// The extraction-style workload of the speculative benchmark: a work order of a few hundred tokens
/// followed by a request to extract fields from it, rendered with the model's chat template. Edge
/// deployments mostly run such requests, and their answers copy spans of the document.
public enum ExtractionWorkload {
    public static let document = """
        MAINTENANCE WORK ORDER WO-2026-04817
        Site: Riverside Bottling Plant, Line 3 (filler and capper), Building C, Bay 12
        Reported by: Maria Jensen, shift supervisor, on 14 March 2026 at 06:42
        Asset: Krones Modulfill VFS filler, serial number KF-88213-C, installed June 2019
        Priority: High (line stopped, estimated loss 1,800 bottles per hour)

        Description of the fault:
        At the start of the morning shift the filler stopped with alarm E-417 "bowl level sensor deviation".
        The operator restarted the machine twice; each time the level in the product bowl rose above the
        upper limit within four minutes and the filler stopped again. A visual inspection found a cracked
        cable gland on the level sensor LT-301 and traces of cleaning fluid inside the sensor housing.

        Work performed:
        Technician Ahmed Karimi isolated the filler (lock-out tag LOTO-5521), replaced the level sensor
        LT-301 with spare part number VEGA-VP61-4420, replaced the cable gland, and recalibrated the bowl
        level against the reference gauge. The filler ran for thirty minutes under observation with the
        level stable between 62 and 64 percent. The line was released to production at 09:15.

        Parts used: 1 x VEGA-VP61-4420 level sensor (cost 1,240.00 EUR), 1 x M20 cable gland (cost 8.50 EUR).
        Labour: 2.5 hours. Follow-up: inspect the cable glands of the other bowl sensors at the next planned
        stop on 21 March 2026; the cleaning procedure CIP-07 should be reviewed with the hygiene team because
        the spray nozzle near the sensor points directly at the gland.
        """

    public static let request = """
        From the work order above, extract these fields as JSON with exactly these keys: work_order_id, site, \
        reported_by, report_date, asset, serial_number, alarm_code, root_cause, technician, lockout_tag, \
        replaced_part_number, parts_cost_eur, labour_hours, released_at, follow_up_date, follow_up_action. \
        Copy values exactly as written in the document.
        """

    /// The workload's prompt tokens for `engine`, with its chat template.
    public static func promptTokens(_ engine: Engine) throws(EngineError) -> [TokenID] {
        try engine.chatTokens([ChatMessage(role: "user", content: document + "\n\n" + request)])
    }
}
