namespace WgSupervisor.Testing;

/// <summary>How to start one supervisor process: its configuration file and, for the rest, what differs from the defaults.</summary>
/// <param name="ConfigPath">The configuration file (`--config`); the process runs in its directory.</param>
public sealed record SupervisorStart(string ConfigPath)
{
    /// <summary>The admin endpoint the configuration binds; readiness is /healthz there.</summary>
    public Uri? BaseUrl { get; init; }

    /// <summary>Names the process in messages ("n2 exited with 1").</summary>
    public string Name { get; init; } = "the host";

    /// <summary>Arguments before `--config FILE` (a subcommand such as `demo`, or `--validate`).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Extra environment variables for the host (experiments such as DOTNET_gcServer=0).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>WGSUPERVISOR_ADMIN_TOKEN for the host, sent by <see cref="SupervisorProcess.Http"/>; null starts it without one.</summary>
    public string? AdminToken { get; init; } = SupervisorProcess.AdminToken;

    /// <summary>Runs the host inside this network namespace (`ip netns exec`); the PID is still the host's own.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>Leaves out the WGSUP_ variables of the calling shell, so that the file is the whole configuration.</summary>
    public bool WithoutInheritedOverrides { get; init; }

    /// <summary>The host's output also goes to this file as it comes.</summary>
    public string? LogFile { get; init; }

    /// <summary>How many output lines to keep in memory; null keeps all.</summary>
    public int? KeepLines { get; init; }

    /// <summary>A directory (configuration, journal) that belongs to this run: deleted when the process is disposed.</summary>
    public string? OwnedDirectory { get; init; }

    /// <summary>The host assembly to run; null runs <see cref="Repository.HostAssembly"/>.</summary>
    public string? HostAssembly { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan Poll { get; init; } = Readiness.DefaultPoll;
}
