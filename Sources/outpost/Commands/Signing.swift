import ArgumentParser
import FleetCore
import Foundation

extension Outpost {
    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an Ed25519 signing key: KEYFILE (private, mode 0600) and KEYFILE.pub (PEM, as openssl writes).")

        @Option(help: "Where to write the private key; the public key goes to the same path + .pub.")
        var out: String

        func run() throws {
            let key = SigningKey.generate()
            do { try key.write(to: out) } catch { throw CLIError(error.description) }
            print("wrote \(out) (private, mode 0600) and \(out).pub; key ID \(key.keyID)")
        }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign files: an in-toto statement (name, version, sha256 of each file) in a DSSE envelope, Ed25519.")

        @Option(help: "Private key file (from outpost keygen, or an Ed25519 PEM from openssl).")
        var key: String

        @Option(help: "Artifact name, e.g. the model's name.")
        var name: String

        @Option(help: "Artifact version.")
        var version: String

        @Option(name: .customLong("expires-in"), help: "Validity period: a number with s, m, h, d or w (default 90d).")
        var expiresIn: String = "90d"

        @Option(help: "Write the signed manifest here instead of standard output.")
        var out: String?

        @Argument(help: "The files to sign.")
        var files: [String]

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one file to sign") }
            guard Self.seconds(expiresIn) != nil else { throw ValidationError("--expires-in must be a positive number with s, m, h, d or w, e.g. 90d; got \(expiresIn)") }
        }

        func run() throws {
            let validFor = Self.seconds(expiresIn)!
            let urls = files.map { URL(fileURLWithPath: $0) }
            // A single GGUF file also records its quantization and parameter count.
            let summary = urls.count == 1 ? VariantFacts.ggufSummary(at: urls[0]) : nil
            let envelope: DSSEEnvelope
            do {
                let signingKey = try SigningKey(pemOrBase64File: key)
                envelope = try ModelManifest.sign(files: urls, name: name, version: version, key: signingKey, now: Date(), validFor: validFor,
                                                  quantization: summary?.quantization, parameterCount: summary?.parameterCount)
                printError("signed \(files.count) file(s) as \(name) \(version) with key \(signingKey.keyID), valid for \(expiresIn)")
            } catch {
                throw CLIError(error.description)
            }
            var json = envelope.jsonData()
            json.append(0x0a)
            if let out {
                do { try json.write(to: URL(fileURLWithPath: out)) } catch { throw CLIError("cannot write \(out): \(error.localizedDescription)") }
            } else {
                FileHandle.standardOutput.write(json)
            }
        }

        /// "90d" → 7776000; nil for anything but a positive number with a unit.
        static func seconds(_ text: String) -> TimeInterval? {
            let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
            guard let unit = text.last, let scale = units[unit], let value = Double(text.dropLast()),
                  value > 0, value.isFinite, value * scale <= 100 * 365 * 86_400 else { return nil }
            return value * scale
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify files against a signed manifest: trusted signer, validity period, sha256 of every file.")

        @Option(name: .customLong("trust-root"), help: "Public key file(s) to trust (PEM; several PUBLIC KEY blocks allowed).")
        var trustRoot: String

        @Option(help: "The signed manifest (DSSE envelope JSON) written by outpost sign.")
        var manifest: String

        @Argument(help: "The files the manifest lists (all of them).")
        var files: [String]

        func run() throws {
            do {
                let root = try TrustRoot(publicKeyFile: trustRoot)
                let data: Data
                do { data = try Data(contentsOf: URL(fileURLWithPath: manifest)) } catch {
                    throw SignatureError.unreadableFile(path: manifest, reason: error.localizedDescription)
                }
                let envelope = try DSSEEnvelope.decode(data)
                let verified = try ManifestVerifier.verify(envelope, files: files.map { URL(fileURLWithPath: $0) }, trustRoot: root, now: Date())
                print("verified: \(verified.predicate.name) \(verified.predicate.version), \(verified.subject.count) file(s), expires \(FleetJSON.iso8601(verified.predicate.expires))")
            } catch {
                throw CLIError("verification failed: \(error)")
            }
        }
    }
}
