
/// A reference dataset arranged for an operator network: one *function* per (sample, geometry),
/// its branch input, the query points shared by all functions, and the solution with its mask.
///
/// - Branch inputs by the model's branch input (`[model] branch_input`): `fields` → `[2, H, W]` = [standardised log
///   coefficient, mask] (Kumar et al. 2025, the Darcy benchmark); `parameters` → the geometry
///   family's parameters, standardised; `functional-form` → the reaction's polynomial
///   coefficients up to `encodingDegree` ‖ the initial condition on the grid.
/// - Points: the grid coordinates (steady), or `(x…, t)` for every output time after `t = 0`
///   (transient), in the NetCDF order (time slowest, x fastest).
/// - Targets: `u` at every point, 0 where the mask is 0 (outside the geometry); metrics and the
///   loss only count masked-in points.
public struct OperatorDataset: Sendable {
    /// `(sample, geometry)` of each function.
    public let functions: [(sample: Int, geometry: Int)]
    /// Branch inputs, `[functions, …]` flattened per function.
    public let branchInputs: [Float]
    /// The shape of one branch input.
    public let branchShape: [Int]
    /// Query points `[m, d]`, row-major.
    public let points: [Float]
    /// Coordinates per point (`d`).
    public let pointDimension: Int
    /// Solution `[functions, m]`, 0 outside the geometry.
    public let targets: [Float]
    /// 1 inside the geometry, 0 outside, `[functions, m]`.
    public let masks: [Float]
    /// The task of each function (reaction family, or geometry) and the task names.
    public let tasks: [Int]
    /// Names of the tasks.
    public let taskNames: [String]
    /// Indices of training and test functions.
    public let train: [Int], test: [Int]
    /// How branch inputs were standardised: `[mean, deviation]` of log K (fields), `[mean₀,
    /// deviation₀, mean₁, …]` per parameter (parameters), empty (functional form).
    public let branchStatistics: [Double]
    /// Whether the file held the solution (targets are 0 otherwise; prediction only).
    public let hasSolution: Bool
    /// Every geometry of the problem, by name (functions refer to them by index).
    public let geometryNames: [String]
    /// Grid points per axis (x first), and output times per function (1 when steady); points
    /// run over times slowest, then z, y, x.
    public let gridPoints: [Int], timeCount: Int

    /// Points per function.
    public var pointCount: Int { points.count / pointDimension }

    /// A dataset from its parts (``OperatorDataset/init(path:resolved:model:training:branchStatistics:prediction:)``
    /// in `TandemWorkflows` reads one from a reference file).
    public init(functions: [(sample: Int, geometry: Int)], branchInputs: [Float], branchShape: [Int], points: [Float], pointDimension: Int,
                targets: [Float], masks: [Float], tasks: [Int], taskNames: [String], train: [Int], test: [Int],
                branchStatistics: [Double], hasSolution: Bool, geometryNames: [String], gridPoints: [Int], timeCount: Int) {
        precondition(branchInputs.count == functions.count * branchShape.reduce(1, *), "one branch input per function")
        precondition(points.count % pointDimension == 0 && targets.count == functions.count * (points.count / pointDimension) && masks.count == targets.count,
                     "targets and masks are [functions, points]")
        precondition(tasks.count == functions.count && tasks.allSatisfy { taskNames.indices.contains($0) }, "one task per function")
        self.functions = functions
        self.branchInputs = branchInputs
        self.branchShape = branchShape
        self.points = points
        self.pointDimension = pointDimension
        self.targets = targets
        self.masks = masks
        self.tasks = tasks
        self.taskNames = taskNames
        self.train = train
        self.test = test
        self.branchStatistics = branchStatistics
        self.hasSolution = hasSolution
        self.geometryNames = geometryNames
        self.gridPoints = gridPoints
        self.timeCount = timeCount
    }

    /// Elements of one branch input.
    public var branchSize: Int { branchShape.reduce(1, *) }
}
