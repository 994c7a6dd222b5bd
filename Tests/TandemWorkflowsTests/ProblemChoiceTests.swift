import TandemWorkflows
import TandemGeometry
import TandemNN
import TandemPDE
import TandemSpec
import XCTest

/// Every closed choice of the problem file has its partner in the library, spelled alike (the
/// mapping is by raw value; a case added to one side only would trap at run time).
final class ProblemChoiceTests: XCTestCase {
    func testEveryFileChoiceMapsOntoTheLibrary() {
        XCTAssertEqual(PDEProblem.ActivationName.allCases.map { $0.activation.rawValue }, PDEProblem.ActivationName.allCases.map(\.rawValue))
        XCTAssertEqual(Set(PDEProblem.ActivationName.allCases.map(\.rawValue)), Set(Activation.allCases.map(\.rawValue)))
        XCTAssertEqual(Set(PDEProblem.PINNTraining.Sampling.allCases.map(\.rawValue)), Set(Shape.Sampling.allCases.map(\.rawValue)))
        XCTAssertEqual(Set(PDEProblem.Time.Scheme.allCases.map(\.rawValue)), Set(TimeStepper.Scheme.allCases.map(\.rawValue)))
        XCTAssertEqual(Set(PDEProblem.RandomField.Covariance.allCases.map(\.rawValue)), Set(GaussianRandomField.Covariance.allCases.map(\.rawValue)))
        XCTAssertEqual(PDEProblem.PINNTraining.Sampling.latinHypercube.sampling, .latinHypercube)
        XCTAssertEqual(PDEProblem.Time.Scheme.backwardEuler.scheme, .backwardEuler)
        XCTAssertEqual(PDEProblem.RandomField.Covariance.spherical.covariance, .spherical)
    }
}
