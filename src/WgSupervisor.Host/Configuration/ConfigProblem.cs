namespace WgSupervisor.Host.Configuration;

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
