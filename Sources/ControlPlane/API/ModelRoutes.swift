import FleetCore
import Foundation
import Hummingbird

extension FleetRoutes {
    func addModelRoutes(to router: Router<BasicRequestContext>) {
        let limit = server.configuration.maxJSONBodyBytes

        router.get("/api/v1/models") { request, _ -> Response in
            try auth.requireAdmin(request)
            let records = try await stored { () async throws(StoreError) in try await store.variants(modelName: nil) }
            return jsonResponse(records.compactMap { VariantView($0, publicURL: server.configuration.publicURL) })
        }

        // Registers a variant: its facts and its signed manifest, which must be signed by a trusted key, be
        // valid now, and list the variant's file with the facts' sha256.
        router.post("/api/v1/models") { request, _ -> Response in
            try auth.requireAdmin(request)
            let body = try await decodeBody(PublishVariantRequest.self, request, limit: limit)
            let facts = body.facts
            for (field, value) in [("name", facts.name), ("version", facts.version), ("fileName", facts.fileName)] where !isIdentifier(value) {
                throw FleetAPIError.badRequest("facts.\(field) must be 1 to 128 characters of A-Z a-z 0-9 . _ -")
            }
            guard facts.sizeBytes > 0, facts.parameterCount >= 0, facts.memoryByContext.values.allSatisfy({ $0 > 0 }) else {
                throw FleetAPIError.badRequest("facts.sizeBytes must be positive, parameterCount and memoryByContext non-negative")
            }
            let manifest: ModelManifest
            do {
                manifest = try ManifestVerifier.verifySignature(body.manifest, trustRoot: server.configuration.manifestTrustRoot,
                                                                now: server.now())
            } catch {
                throw FleetAPIError(.unprocessableContent, "manifest_rejected", "the manifest was rejected: \(error)")
            }
            guard manifest.predicate.name == facts.name, manifest.predicate.version == facts.version else {
                throw FleetAPIError(.unprocessableContent, "manifest_rejected",
                                    "the manifest is for \(manifest.predicate.name) \(manifest.predicate.version), not \(facts.name) \(facts.version)")
            }
            guard manifest.sha256(of: facts.fileName)?.lowercased() == facts.sha256.lowercased() else {
                throw FleetAPIError(.unprocessableContent, "manifest_rejected",
                                    "the manifest does not list \(facts.fileName) with sha256 \(facts.sha256)")
            }
            let record = VariantRecord(modelName: facts.name, version: facts.version, variant: facts.fileName,
                                       factsJSON: fleetJSON(facts), manifestJSON: fleetJSON(body.manifest), createdAt: server.now())
            try await stored { () async throws(StoreError) in try await store.putVariant(record) }
            let saved = try await server.variants(model: facts.name, version: facts.version).first { $0.variant == facts.fileName }
            guard let saved else { throw FleetAPIError(.internalServerError, "not_saved", "the variant was not saved") }
            return jsonResponse(saved, status: .created)
        }

        // Uploads the artifact: streamed to disk, then its sha256 must match the published facts.
        router.put("/api/v1/models/:model/versions/:version/variants/:variant/artifact") { request, context -> Response in
            try auth.requireAdmin(request)
            let variant = try await findVariant(context)
            let dir = server.configuration.artifactsDirectory
            let final = "\(dir)/\(variant.model)--\(variant.version)--\(variant.variant)"
            let partial = final + ".part-\(UUID().uuidString)"
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try await FileIO().writeFile(contents: request.body, path: partial, context: context)
            } catch {
                try? FileManager.default.removeItem(atPath: partial)
                throw FleetAPIError(.internalServerError, "upload_failed", "the artifact could not be stored: \(error)")
            }
            let digest: (hex: String, sizeBytes: Int64)
            do { digest = try FileDigest.sha256(of: URL(fileURLWithPath: partial)) } catch {
                try? FileManager.default.removeItem(atPath: partial)
                throw FleetAPIError(.internalServerError, "upload_failed", "\(error)")
            }
            guard digest.hex == variant.facts.sha256.lowercased(), digest.sizeBytes == variant.facts.sizeBytes else {
                try? FileManager.default.removeItem(atPath: partial)
                throw FleetAPIError(.unprocessableContent, "digest_mismatch",
                                    "the upload has sha256 \(digest.hex) (\(digest.sizeBytes) bytes); the published facts say \(variant.facts.sha256) (\(variant.facts.sizeBytes) bytes)")
            }
            _ = try? FileManager.default.removeItem(atPath: final)
            do { try FileManager.default.moveItem(atPath: partial, toPath: final) } catch {
                throw FleetAPIError(.internalServerError, "upload_failed", "\(error)")
            }
            try await stored { () async throws(StoreError) in
                try await store.setArtifactPath(modelName: variant.model, version: variant.version, variant: variant.variant, path: final)
            }
            return jsonResponse(["stored": final.split(separator: "/").last.map(String.init) ?? "", "sha256": digest.hex], status: .created)
        }

        // Downloads the artifact (admin or any enrolled device), with `Range: bytes=a-b` for resuming.
        router.get("/api/v1/models/:model/versions/:version/variants/:variant/artifact") { request, context -> Response in
            if !auth.isAdmin(request) { _ = try await auth.device(request) }
            let variant = try await findVariant(context)
            let store = self.store
            let records = try await stored { () async throws(StoreError) in try await store.variants(modelName: variant.model) }
            guard let path = records.first(where: { $0.version == variant.version && $0.variant == variant.variant })?.artifactPath,
                  let fileSize = try? URL(fileURLWithPath: path).resourceValues(forKeys: [.fileSizeKey]).fileSize else {
                throw FleetAPIError.notFound("the artifact of \(variant.model)/\(variant.version)/\(variant.variant) was not uploaded yet")
            }
            let size = Int64(fileSize)
            var headers = HTTPFields()
            headers[.contentType] = "application/octet-stream"
            headers[.acceptRanges] = "bytes"
            headers[.eTag] = "\"\(variant.facts.sha256)\""
            guard let rangeHeader = request.headers[.range] else {
                let body = size == 0 ? ResponseBody() : try await FileIO().loadFile(path: path, context: context)
                return Response(status: .ok, headers: headers, body: body)
            }
            guard let range = ByteRange.parse(rangeHeader, size: size) else {
                headers[.contentRange] = "bytes */\(size)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            let body = try await FileIO().loadFile(path: path, range: Int(range.lowerBound)...Int(range.upperBound), context: context)
            return Response(status: .partialContent, headers: headers, body: body)
        }
    }

    func findVariant(_ context: BasicRequestContext) async throws(FleetAPIError) -> VariantView {
        let model = try identifier(context, "model")
        let version = try identifier(context, "version")
        let name = try identifier(context, "variant")
        let found = try await server.variants(model: model, version: version).first { $0.variant == name }
        guard let found else { throw FleetAPIError.notFound("no variant \(model)/\(version)/\(name) is published") }
        return found
    }
}

/// One `Range: bytes=…` request header (a single range; the forms a-b, a- and -n).
enum ByteRange {
    static func parse(_ header: String, size: Int64) -> ClosedRange<Int64>? {
        guard size > 0, header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        if parts[0].isEmpty {
            guard let n = Int64(parts[1]), n > 0 else { return nil }
            return max(0, size - n)...(size - 1)
        }
        guard let start = Int64(parts[0]), start >= 0, start < size else { return nil }
        if parts[1].isEmpty { return start...(size - 1) }
        guard let end = Int64(parts[1]), end >= start else { return nil }
        return start...min(end, size - 1)
    }
}
