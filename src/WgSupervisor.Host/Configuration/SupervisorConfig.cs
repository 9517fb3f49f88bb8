using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Host.Configuration;

public enum JournalProvider
{
    Sqlite,
    PostgreSql,
}

public sealed record JournalConfig(JournalProvider Provider, string SqlitePath, string? ConnectionString, int SnapshotEvery);

public sealed record ClusterConfig(string Hostname, int Port, IReadOnlyList<string> SeedNodes);

/// <summary>The validated configuration of one supervisor node.</summary>
public sealed record SupervisorConfig(
    string NodeName,
    Uri AdminUrl,
    TimeSpan PollInterval,
    int MaxConcurrentRestarts,
    JournalConfig Journal,
    ClusterConfig Cluster,
    IReadOnlyList<TunnelSettings> Tunnels,
    IReadOnlyList<string> Warnings);

/// <summary>One problem with the configuration: where (key path, or file and line) and what is wrong.</summary>
public sealed record ConfigProblem(string Where, string Problem)
{
    public override string ToString() => $"{Where}: {Problem}";
}

public sealed class ConfigException(IReadOnlyList<ConfigProblem> problems)
    : Exception($"configuration has {problems.Count} problem(s):{Environment.NewLine}" +
                string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<ConfigProblem> Problems { get; } = problems;
}
