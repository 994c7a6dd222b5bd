/// Small problem files shared by the tests that train operators end to end.
public enum TestProblems {
    /// The unit square as a `[[geometry]]` table named `square`, shared by the fixtures.
    public static let unitSquare = """
        [[geometry]]
        name = "square"
        shape = "rectangle"
        lower = [0, 0]
        upper = [1, 1]
        """

    /// Darcy with `K = exp(GRF)` on a square and a disk (16 × 16 grid), a 2-block CNN branch, a
    /// small trunk; `[training.quick]` trains 40 steps on 12 samples (24 functions).
    public static let tinyDarcyOperator = """
    name = "tiny-darcy-operator"

    [pde]
    kind = "darcy"
    permeability = "random"
    source = "1"

    [inputs.permeability]
    kind = "lognormal"
    length = 0.3
    variance = 0.5
    terms = 20

    \(unitSquare)

    [[geometry]]
    name = "disk"
    shape = "disk"
    center = [0.5, 0.5]
    radius = 0.5

    [[boundary]]
    kind = "dirichlet"
    value = "0"

    [reference]
    grid = [16, 16]
    lower = [0, 0]
    upper = [1, 1]
    samples = 12
    seed = 3

    [model]
    branch_input = "fields"
    filters = [4, 8]
    kernel = 3
    branch_layers = [16]
    trunk_layers = [16, 16]
    latent = 8
    activation = "tanh"

    [training]
    samples = 12
    steps = 400
    batch = 8
    learning_rate = 3e-3
    checkpoint_every = 10
    split = "random"
    train_fraction = 0.75

    [training.quick]
    steps = 40
    """

    /// Steady heat in a 2 × 1 plate with n ∈ {1, 2} cold holes at x = p ∈ {0.6, 0.9, 1.2, 1.5}
    /// (8 designs, 25 × 13 grid), a hot end at x = 0; a parameter branch; designs with
    /// p ∈ {0.6, 1.5} train, the others test; `[training.quick]` trains 40 steps.
    public static let tinyHeatFamily = """
    name = "tiny-heat-family"

    [pde]
    kind = "heat"
    conductivity = "1"
    source = "0"

    [[geometry]]
    name = "plate"
    shape = "rectangle"
    lower = [0, 0]
    upper = [2, 1]
    subtract = [{ shape = "disk", repeat = "n", center = ["p", "(i + 1) / (n + 1)"], radius = 0.09 }]

    [geometry.family]
    n = [1, 2]
    p = [0.6, 0.9, 1.2, 1.5]

    [[boundary]]
    kind = "dirichlet"
    on = ["x-min"]
    value = "1"

    [[boundary]]
    kind = "dirichlet"
    value = "0"

    [reference]
    grid = [25, 13]
    samples = 1
    seed = 0

    [model]
    branch_input = "parameters"
    branch_layers = [16]
    trunk_layers = [16, 16]
    latent = 8
    activation = "tanh"

    [training]
    steps = 400
    batch = 4
    points = 64
    learning_rate = 3e-3
    checkpoint_every = 20
    split = "parameter"
    split_parameter = "p"
    train_values = [0.6, 1.5]

    [training.quick]
    steps = 40
    """

    /// Reaction–diffusion with two families on 16 points × 4 output times, a functional-form
    /// branch; `[training.single]` uses the cubic family only.
    public static let tinyFisherOperator = """
    name = "tiny-fisher-operator"

    [pde]
    kind = "reaction-diffusion"
    diffusivity = "0.01"
    initial = "random"

    [inputs.initial]
    kind = "logistic"
    length = 0.2
    terms = 8

    [inputs.parameters]
    a = [0.1, 1.0]

    [[reaction]]
    name = "fisher"
    expression = "a*u*(1-u)"

    [[reaction]]
    name = "cubic"
    expression = "a*(u - u^3)"

    [[geometry]]
    name = "interval"
    shape = "interval"
    lower = 0
    upper = 1

    [[boundary]]
    kind = "dirichlet"
    value = "0"

    [time]
    end = 0.5
    steps = 8
    outputs = 4

    [reference]
    grid = [16]
    samples = 20
    seed = 1

    [model]
    branch_input = "functional-form"
    encoding_degree = 3
    branch_layers = [16]
    trunk_layers = [16]
    latent = 8
    activation = "tanh"

    [training]
    steps = 20
    batch = 8

    [training.single]
    families = ["cubic"]
    """
}

extension TestProblems {
    /// Fisher–KPP `u_t = 0.05·u_xx + u(1 − u)`, `u(x, 0) = sin πx`, `u = 0` at both ends, as a
    /// PINN; `[training.quick]` is a small network trained for a few seconds.
    public static let tinyFisherPINN = """
    name = "tiny-fisher-pinn"

    [pde]
    kind = "reaction-diffusion"
    diffusivity = "0.05"
    initial = "sin(pi*x)"

    [inputs.parameters]
    rho = 1.0

    [[reaction]]
    name = "fisher"
    expression = "rho*u*(1 - u)"

    [[geometry]]
    name = "interval"
    shape = "interval"
    lower = 0
    upper = 1

    [[boundary]]
    kind = "dirichlet"
    value = "0"

    [time]
    end = 1.0
    steps = 100
    outputs = 10

    [reference]
    grid = [101]

    [model]
    kind = "pinn"
    layers = [20, 20, 20]
    activation = "tanh"

    [training]
    steps = 600
    learning_rate = 3e-3
    collocation = 512
    boundary_points = 64
    initial_points = 64
    lbfgs_iterations = 150
    checkpoint_every = 100
    seed = 1
    """
}
