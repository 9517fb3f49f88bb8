using WgSupervisor.Testing;

namespace WgSupervisor.FleetBenchmarks.Support;

/// <summary>
/// How the fleet benchmarks start the host: the shared launcher, with the configuration file as the whole configuration
/// (no WGSUP_ overrides from this shell), its output in supervisor.log beside the journal, and the run's directory removed
/// with the process.
/// </summary>
public static class FleetSupervisor
{
    /// <summary>src/WgSupervisor.Host/bin/&lt;Configuration&gt;/net10.0/wgsupervisor.dll, or WGSUPERVISOR_BENCH_HOST.</summary>
    public static string HostAssembly =>
        Environment.GetEnvironmentVariable("WGSUPERVISOR_BENCH_HOST") is { Length: > 0 } given ? given : SupervisorProcess.HostAssembly;

    /// <summary>A fresh temporary directory for one run's configuration, journal, world file and log.</summary>
    public static SupervisorConfigFile NewRun(string label) => new(new { }, prefix: $"wgs-fleetbench-{label}");

    /// <summary>Writes the configuration into the run's directory, starts the host there and waits for /healthz.</summary>
    /// <param name="environment">Extra environment variables for the host (experiments such as DOTNET_gcServer=0).</param>
    public static Task<SupervisorProcess> StartAsync(SupervisorConfigFile run, int port, object configuration,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        run.Write(configuration);
        return SupervisorProcess.StartAsync(new SupervisorStart(run.FilePath)
        {
            BaseUrl = new Uri($"http://127.0.0.1:{port}"),
            HostAssembly = HostAssembly,
            Environment = environment,
            WithoutInheritedOverrides = true,
            LogFile = Path.Combine(run.Directory, "supervisor.log"),
            KeepLines = 40,
            OwnedDirectory = run.Directory,
            StartTimeout = TimeSpan.FromSeconds(90),
            RequestTimeout = TimeSpan.FromSeconds(30),
            Poll = TimeSpan.FromMilliseconds(200),
        });
    }
}
