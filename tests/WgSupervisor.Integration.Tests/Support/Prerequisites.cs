using WgSupervisor.Lab;

namespace WgSupervisor.Integration.Tests.Support;

/// <summary>
/// Real-WireGuard tests need root and the tools. On a developer laptop without them they skip with the
/// reason; under CI=true a missing prerequisite fails the test instead.
/// </summary>
public static class Prerequisites
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The repository's root (where WgSupervisor.sln is).</summary>
    public static string RepositoryRoot => Repository.Root;

    /// <summary>The tests' PostgreSQL (WGSUPERVISOR_TEST_POSTGRES, set by scripts/test.sh) and root to stop and start it.</summary>
    public static string RequirePostgres()
    {
        var url = Environment.GetEnvironmentVariable("WGSUPERVISOR_TEST_POSTGRES");
        var missing = string.IsNullOrEmpty(url) ? "WGSUPERVISOR_TEST_POSTGRES is not set (scripts/test.sh starts PostgreSQL and sets it)"
            : Environment.UserName != "root" ? "stopping PostgreSQL needs root" : null;
        if (missing is null) return url!;
        if (InCi) throw new InvalidOperationException($"CI=true but a prerequisite is missing: {missing}");
        Skip.If(true, $"skipped: {missing}");
        return "";
    }

    public static void RequireWireGuardLab()
    {
        var missing = WireGuardLab.MissingPrerequisite();
        if (missing is null) return;
        if (InCi) throw new InvalidOperationException($"CI=true but a prerequisite is missing: {missing}");
        Skip.If(true, $"skipped: {missing}");
    }
}
