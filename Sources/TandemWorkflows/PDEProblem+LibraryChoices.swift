import TandemGeometry
import TandemNN
import TandemPDE
import TandemSpec

/// The one place where the problem file's closed choices become the library's enums. Each pair
/// is spelled alike (the problem file's spelling is the raw value of both), so the mapping is by
/// raw value; `ProblemChoiceTests` checks that every case of the file's enum has its partner.
enum LibraryChoice {
    /// The library value spelled like `choice`.
    static func map<From: RawRepresentable, To: RawRepresentable>(_ choice: From, to: To.Type) -> To
    where From.RawValue == String, To.RawValue == String {
        guard let value = To(rawValue: choice.rawValue) else { preconditionFailure("\(To.self) has no case \"\(choice.rawValue)\"") }
        return value
    }
}

extension PDEProblem.ActivationName {
    /// The network activation this name stands for.
    public var activation: Activation { LibraryChoice.map(self, to: Activation.self) }
}

extension PDEProblem.PINNTraining.Sampling {
    /// The point-sampling rule this name stands for.
    public var sampling: Shape.Sampling { LibraryChoice.map(self, to: Shape.Sampling.self) }
}

extension PDEProblem.Time.Scheme {
    /// The time discretisation this name stands for.
    public var scheme: TimeStepper.Scheme { LibraryChoice.map(self, to: TimeStepper.Scheme.self) }
}

extension PDEProblem.RandomField.Covariance {
    /// The covariance function this name stands for.
    public var covariance: GaussianRandomField.Covariance { LibraryChoice.map(self, to: GaussianRandomField.Covariance.self) }
}
