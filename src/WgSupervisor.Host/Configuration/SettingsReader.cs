namespace WgSupervisor.Host.Configuration;

/// <summary>
/// Collects what is wrong with the configuration instead of throwing at the first mistake, so that every
/// problem comes out at once, each with its key path; warnings are kept apart (they do not refuse start-up).
/// </summary>
public sealed class SettingsReader
{
    private readonly List<ConfigProblem> _problems = [];
    private readonly List<string> _warnings = [];

    public IReadOnlyList<ConfigProblem> Problems => _problems;
    public IReadOnlyList<string> Warnings => _warnings;
    public int ProblemCount => _problems.Count;

    public void Problem(string where, string problem) => _problems.Add(new ConfigProblem(where, problem));
    public void Warn(string warning) => _warnings.Add(warning);

    public void ThrowIfAny()
    {
        if (_problems.Count > 0) throw new ConfigException(_problems);
    }

    public void RejectUnknown(IConfiguration section, string path, IReadOnlyCollection<string> known)
    {
        foreach (var child in section.GetChildren())
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                Problem(PathOf(path, child.Key), $"unknown key (known here: {string.Join(", ", known)})");
    }

    /// <summary>The key path of <paramref name="key"/> under <paramref name="path"/> ("" is the root).</summary>
    public static string PathOf(string path, string key) => path.Length == 0 ? key : $"{path}:{key}";
}
