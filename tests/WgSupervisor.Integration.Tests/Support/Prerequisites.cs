using WgSupervisor.Lab;

namespace WgSupervisor.Integration.Tests.Support;

/// <summary>
/// Real-WireGuard tests need root and the tools. On a developer laptop without them they skip with the
/// reason; under CI=true a missing prerequisite fails the test instead.
/// </summary>
public static class Prerequisites
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static void RequireWireGuardLab()
    {
        var missing = WireGuardLab.MissingPrerequisite();
        if (missing is null) return;
        if (InCi) throw new InvalidOperationException($"CI=true but a prerequisite is missing: {missing}");
        Skip.If(true, $"skipped: {missing}");
    }
}
