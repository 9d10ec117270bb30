import CKernels
import GGUF

/// A family of compute kernels. Every SIMD path has a generic twin with identical results up to float
/// summation order; the path is chosen once at start-up.
public enum KernelPath: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case generic = 0, avx2, avx512, neon

    /// `generic`, `avx2`, `avx512` or `neon`.
    public var description: String { String(cString: ok_kernel_path_name(rawValue)) }

    /// Whether this CPU (and this build) can run the path.
    public var isAvailable: Bool { ok_kernel_path_available(rawValue) != 0 }
}

/// Entry point to the C kernels: path selection and type capabilities.
public enum Kernels {
    /// Detects CPU features and selects the fastest available path (or the generic one when
    /// `forceGeneric`). Safe to call more than once; until called, the generic path is used.
    @discardableResult
    public static func initialize(forceGeneric: Bool = false) -> KernelPath {
        KernelPath(rawValue: ok_kernels_init(forceGeneric ? 1 : 0)) ?? .generic
    }

    /// The path `vecDot`, `matmul` and the f32 helpers currently use.
    public static var current: KernelPath { KernelPath(rawValue: ok_kernel_path_current()) ?? .generic }

    /// Weight types that can be dequantized and dotted.
    public static let supportedTypes: [GGMLType] = GGMLType.allCases.filter { ok_type_supported(Int32($0.rawValue)) != 0 }

    /// Types `quantize` and `dequantize` handle (weight types plus the activation types q8_1 and q8_K).
    public static let convertibleTypes: [GGMLType] = GGMLType.allCases.filter { ok_dequantize_supported(Int32($0.rawValue)) != 0 }

    /// Whether weights of type `t` can be dequantized and dotted.
    public static func isSupported(_ t: GGMLType) -> Bool { ok_type_supported(Int32(t.rawValue)) != 0 }

    /// The activation format llama.cpp pairs with weights of type `t` (its `vec_dot_type`), or nil if
    /// `t` is not supported.
    public static func activationType(for t: GGMLType) -> GGMLType? {
        let v = ok_vec_dot_type(Int32(t.rawValue))
        return v < 0 ? nil : GGMLType(rawValue: UInt32(v))
    }
}
