/// `GET /v1/models`: `{"object":"list","data":[ModelInfo]}`.
public struct ModelList: Sendable, Equatable, Encodable {
    /// The served models.
    public var data: [ModelInfo]

    /// Creates a list.
    public init(data: [ModelInfo]) { self.data = data }

    private enum CodingKeys: String, CodingKey { case object, data }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("list", forKey: .object)
        try container.encode(data, forKey: .data)
    }
}

/// One served model: `{"id","object":"model","created","owned_by"}`.
public struct ModelInfo: Sendable, Equatable, Encodable {
    /// Identifier shared by a response and all its stream chunks.
    public var id: String
    /// Unix time in seconds (e.g. when the model was loaded or published).
    public var created: Int
    /// Owner shown to clients (`owned_by`).
    public var ownedBy: String

    /// Creates a model entry.
    public init(id: String, created: Int, ownedBy: String) {
        self.id = id
        self.created = created
        self.ownedBy = ownedBy
    }

    private enum CodingKeys: String, CodingKey { case id, object, created, ownedBy = "owned_by" }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode("model", forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(ownedBy, forKey: .ownedBy)
    }
}
