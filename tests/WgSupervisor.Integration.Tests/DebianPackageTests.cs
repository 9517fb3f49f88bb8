using WgSupervisor.Integration.Tests.Support;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// packaging/deb/build.sh as an operator would use it: the package builds, installs with apt-get, its commands run from
/// the installed paths, and a purge leaves nothing of it behind. Needs root and apt; it installs on this machine.
/// In the serial collection: the self-contained publish takes both cores for a minute and would starve timing-sensitive tests.
/// </summary>
[Collection(RealWireGuardCollection.Name)]
public sealed class DebianPackageTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Package = "wgsupervisor";

    /// <summary>Everything the package or its scripts create; none may survive a purge.</summary>
    private static readonly string[] InstalledPaths =
    [
        "/opt/wgsupervisor", "/usr/bin/wgsupervisor", "/usr/bin/wgsup", "/lib/systemd/system/wgsupervisor.service",
        "/etc/wgsupervisor", "/var/lib/wgsupervisor", "/usr/share/doc/wgsupervisor",
    ];

    [SkippableFact]
    public async Task The_package_builds_installs_runs_its_commands_and_purges_cleanly()
    {
        RequireRootAndApt();
        Assert.False(await IsInstalledAsync(), $"{Package} is installed on this machine already; this test installs and purges it");
        var artifacts = Directory.CreateTempSubdirectory("wgs-deb-");
        try
        {
            var build = await RunAsync("bash", [Path.Combine(Prerequisites.RepositoryRoot, "packaging", "deb", "build.sh"), "--output", artifacts.FullName],
                TimeSpan.FromMinutes(10));
            Assert.True(build.ExitCode == 0, $"build.sh failed:\n{build.Output}");
            var deb = Assert.Single(Directory.GetFiles(artifacts.FullName, "*.deb"));
            Assert.Matches(@"wgsupervisor_[0-9][^_]*_amd64\.deb$", deb);

            var install = await RunAsync("apt-get", ["install", "-y", "--no-install-recommends", deb], TimeSpan.FromMinutes(5));
            Assert.True(install.ExitCode == 0, $"apt-get install failed:\n{install.Output}");
            Assert.True(await IsInstalledAsync());

            var check = await RunAsync("/usr/bin/wgsupervisor", ["check", "--config", "/etc/wgsupervisor/wgsupervisor.json"], TimeSpan.FromMinutes(1));
            Assert.True(check.ExitCode == 0, $"wgsupervisor check failed:\n{check.Output}");
            Assert.Contains("/etc/wgsupervisor/wgsupervisor.json: ok", check.Output);
            var version = await RunAsync("/usr/bin/wgsup", ["--version"], TimeSpan.FromMinutes(1));
            Assert.True(version.ExitCode == 0, $"wgsup --version failed:\n{version.Output}");
            Assert.Matches(@"^[0-9]+\.[0-9]+\.[0-9]+", version.Output.Trim());

            Assert.Equal("/etc/wgsupervisor/wgsupervisor.json", (await RunAsync("dpkg-query", ["-W", "-f=${Conffiles}", Package], TimeSpan.FromMinutes(1)))
                .Output.Trim().Split(' ')[0]);
            var env = new FileInfo("/etc/wgsupervisor/env");
            Assert.True(env.Exists, "postinst makes the admin token file");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, env.UnixFileMode);
        }
        finally
        {
            var purge = await RunAsync("apt-get", ["purge", "-y", Package], TimeSpan.FromMinutes(5));
            output.WriteLine(purge.Output);
            artifacts.Delete(recursive: true);
        }

        Assert.False(await IsInstalledAsync(), $"{Package} is still known to dpkg after the purge");
        Assert.DoesNotContain(InstalledPaths, path => File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null);
    }

    private static void RequireRootAndApt()
    {
        var missing = Environment.UserName != "root" ? "installing a package needs root"
            : !File.Exists("/usr/bin/apt-get") || !File.Exists("/usr/bin/dpkg-deb") ? "apt-get and dpkg-deb are needed (Debian)"
            : null;
        if (missing is null) return;
        if (Prerequisites.InCi) throw new InvalidOperationException($"CI=true but a prerequisite is missing: {missing}");
        Skip.If(true, $"skipped: {missing}");
    }

    private static async Task<bool> IsInstalledAsync()
    {
        var status = await RunAsync("dpkg-query", ["-W", "-f=${Status}", Package], TimeSpan.FromMinutes(1));
        return status.ExitCode == 0 && status.Output.Contains("install ok installed", StringComparison.Ordinal);
    }

    private static Task<(int ExitCode, string Output)> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout) =>
        OwnProcess.RunAsync(program, arguments, timeout, environment: new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" });
}
