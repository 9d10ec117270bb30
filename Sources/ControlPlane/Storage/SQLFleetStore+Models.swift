import Foundation
import SQLKit

extension SQLFleetStore {
    public func putVariant(_ v: VariantRecord) async throws(StoreError) {
        try await pool.withConnection { db in
            // Re-publishing the same (model, version, variant) replaces its facts and manifest.
            try await db.raw("""
                INSERT INTO variants (model_name, version, variant, facts, manifest, artifact_path, created_at)
                VALUES (\(bind: v.modelName), \(bind: v.version), \(bind: v.variant), \(bind: v.factsJSON),
                        \(bind: v.manifestJSON), \(bind: v.artifactPath), \(bind: v.createdAt.seconds))
                ON CONFLICT (model_name, version, variant) DO UPDATE SET facts = excluded.facts,
                    manifest = excluded.manifest, created_at = excluded.created_at
                """).run()
        }
    }

    public func variants(modelName: String?) async throws(StoreError) -> [VariantRecord] {
        let rows = try await pool.withConnection { db in
            if let modelName {
                return try await db.raw("SELECT * FROM variants WHERE model_name = \(bind: modelName) ORDER BY model_name, version, variant").all()
            }
            return try await db.raw("SELECT * FROM variants ORDER BY model_name, version, variant").all()
        }
        do {
            return try rows.map {
                VariantRecord(modelName: try $0.string("model_name"), version: try $0.string("version"),
                              variant: try $0.string("variant"), factsJSON: try $0.string("facts"),
                              manifestJSON: try $0.string("manifest"), artifactPath: try $0.optionalString("artifact_path"),
                              createdAt: Date(seconds: try $0.double("created_at")))
            }
        } catch {
            throw .corruptRecord(table: "variants", key: "?", reason: String(describing: error))
        }
    }

    public func setArtifactPath(modelName: String, version: String, variant: String, path: String) async throws(StoreError) {
        let row = try await pool.withConnection { db in
            try await db.raw("""
                UPDATE variants SET artifact_path = \(bind: path)
                WHERE model_name = \(bind: modelName) AND version = \(bind: version) AND variant = \(bind: variant)
                RETURNING variant
                """).first()
        }
        if row == nil { throw .notFound(kind: "variant", id: "\(modelName)/\(version)/\(variant)") }
    }

    public func createDeployment(_ d: DeploymentRecord) async throws(StoreError) {
        let inserted = try await pool.withConnection { db in
            try await db.raw("""
                INSERT INTO deployments (id, model_name, version, previous_version, selector, plan, policy, state,
                                         revision, created_at, updated_at)
                VALUES (\(bind: d.id), \(bind: d.modelName), \(bind: d.version), \(bind: d.previousVersion),
                        \(bind: JSONText.encode(d.selector)), \(bind: d.planJSON), \(bind: d.policyJSON), \(bind: d.stateJSON),
                        \(bind: d.revision), \(bind: d.createdAt.seconds), \(bind: d.updatedAt.seconds))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """).first()
        }
        if inserted == nil { throw .alreadyExists(kind: "deployment", id: d.id) }
    }

    public func deployment(id: String) async throws(StoreError) -> DeploymentRecord? {
        let row = try await pool.withConnection { db in
            try await db.raw("SELECT * FROM deployments WHERE id = \(bind: id)").first()
        }
        return try row.map { r throws(StoreError) in try Self.deploymentRecord(r) }
    }

    public func deployments() async throws(StoreError) -> [DeploymentRecord] {
        let rows = try await pool.withConnection { db in try await db.raw("SELECT * FROM deployments ORDER BY created_at, id").all() }
        var result: [DeploymentRecord] = []
        for r in rows { result.append(try Self.deploymentRecord(r)) }
        return result
    }

    public func updateDeploymentState(id: String, expectedRevision: Int64, stateJSON: String,
                                      at: Date) async throws(StoreError) -> DeploymentRecord {
        let row = try await pool.withConnection { db in
            try await db.raw("""
                UPDATE deployments SET state = \(bind: stateJSON), revision = revision + 1, updated_at = \(bind: at.seconds)
                WHERE id = \(bind: id) AND revision = \(bind: expectedRevision) RETURNING *
                """).first()
        }
        guard let row else {
            if try await deployment(id: id) == nil { throw .notFound(kind: "deployment", id: id) }
            throw .conflict(kind: "deployment", id: id)
        }
        return try Self.deploymentRecord(row)
    }

    public func createExperiment(_ e: ExperimentRecord) async throws(StoreError) {
        let inserted = try await pool.withConnection { db in
            try await db.raw("""
                INSERT INTO experiments (id, definition, created_at)
                VALUES (\(bind: e.id), \(bind: e.definitionJSON), \(bind: e.createdAt.seconds))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """).first()
        }
        if inserted == nil { throw .alreadyExists(kind: "experiment", id: e.id) }
    }

    public func experiment(id: String) async throws(StoreError) -> ExperimentRecord? {
        let row = try await pool.withConnection { db in
            try await db.raw("SELECT * FROM experiments WHERE id = \(bind: id)").first()
        }
        return try row.map { r throws(StoreError) in try Self.experimentRecord(r) }
    }

    public func experiments() async throws(StoreError) -> [ExperimentRecord] {
        let rows = try await pool.withConnection { db in try await db.raw("SELECT * FROM experiments ORDER BY created_at, id").all() }
        var result: [ExperimentRecord] = []
        for r in rows { result.append(try Self.experimentRecord(r)) }
        return result
    }

    static func experimentRecord(_ r: any SQLRow) throws(StoreError) -> ExperimentRecord {
        do {
            return ExperimentRecord(id: try r.string("id"), definitionJSON: try r.string("definition"),
                                    createdAt: Date(seconds: try r.double("created_at")))
        } catch {
            throw .corruptRecord(table: "experiments", key: "?", reason: String(describing: error))
        }
    }

    static func deploymentRecord(_ r: any SQLRow) throws(StoreError) -> DeploymentRecord {
        do {
            let id = try r.string("id")
            return DeploymentRecord(
                id: id, modelName: try r.string("model_name"), version: try r.string("version"),
                previousVersion: try r.optionalString("previous_version"),
                selector: try JSONText.decode([String: String].self, try r.string("selector"), table: "deployments", key: id),
                planJSON: try r.string("plan"), policyJSON: try r.string("policy"), stateJSON: try r.string("state"),
                revision: try r.int64("revision"), createdAt: Date(seconds: try r.double("created_at")),
                updatedAt: Date(seconds: try r.double("updated_at")))
        } catch let e as StoreError {
            throw e
        } catch {
            throw .corruptRecord(table: "deployments", key: "?", reason: String(describing: error))
        }
    }
}
