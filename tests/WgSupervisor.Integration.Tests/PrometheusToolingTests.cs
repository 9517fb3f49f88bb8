using System.Text.Json;
using System.Text.RegularExpressions;
using WgSupervisor.Integration.Tests.Support;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// What ships for Prometheus and Grafana, checked with Prometheus' own tool against a running host: the exposition
/// passes `promtool check metrics`, the alert rules pass `promtool check rules` and their unit tests, and every series
/// the Grafana dashboard queries is one the host really exports, with the type the query assumes.
/// </summary>
public sealed partial class PrometheusToolingTests
{
    private static readonly string PrometheusFolder = Path.Combine(Prerequisites.RepositoryRoot, "packaging", "prometheus");
    private static readonly string DashboardFile = Path.Combine(Prerequisites.RepositoryRoot, "packaging", "grafana", "wgsupervisor-fleet.json");

    [GeneratedRegex(@"\bwgsupervisor_[a-z_]+\b")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^# TYPE (?<name>\S+) (?<type>\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [SkippableFact]
    public async Task The_hosts_exposition_passes_promtool_check_metrics()
    {
        var promtool = RequirePromtool();
        var exposition = await ScrapeAfterRepairsAsync();

        var (exitCode, output) = await RunAsync(promtool, ["check", "metrics"], standardInput: exposition);

        Assert.True(exitCode == 0, $"promtool check metrics failed (exit {exitCode}):\n{output}");
        Assert.Contains("# TYPE wgsupervisor_repairs_total counter", exposition);
    }

    [SkippableFact]
    public async Task The_alert_rules_are_valid_and_their_unit_tests_pass()
    {
        var promtool = RequirePromtool();

        var (checkExit, checkOutput) = await RunAsync(promtool, ["check", "rules", Path.Combine(PrometheusFolder, "alerts.yml")]);
        var (testExit, testOutput) = await RunAsync(promtool, ["test", "rules", Path.Combine(PrometheusFolder, "alerts.test.yml")]);

        Assert.True(checkExit == 0, $"promtool check rules failed (exit {checkExit}):\n{checkOutput}");
        Assert.Matches(@"SUCCESS: [1-9][0-9]* rules found", checkOutput);
        Assert.True(testExit == 0, $"promtool test rules failed (exit {testExit}):\n{testOutput}");
    }

    [Fact]
    public async Task Every_series_the_dashboard_and_the_alerts_query_is_exported_by_the_host_with_the_type_the_query_assumes()
    {
        var exposition = await ScrapeAfterRepairsAsync();
        var exported = TypeLine().Matches(exposition).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["type"].Value);
        var queries = DashboardQueries().Concat(AlertQueries()).ToList();
        Assert.True(queries.Count >= 10, $"expected the dashboard's and the alerts' queries, found {queries.Count}");

        var problems = new List<string>();
        foreach (var query in queries)
        foreach (var name in MetricName().Matches(query).Select(m => m.Value).Distinct())
        {
            var (family, suffix) = FamilyOf(name, exported);
            if (OnlyWithTls.Contains(family)) continue;
            if (!exported.TryGetValue(family, out var type)) problems.Add($"{name} (in `{query}`) is not exported");
            else if (suffix is "_bucket" && type != "histogram") problems.Add($"{name}: {family} is a {type}, not a histogram");
            else if (Regex.IsMatch(query, $@"(rate|increase)\({Regex.Escape(name)}\b") && type is not ("counter" or "histogram"))
                problems.Add($"{name}: rate/increase of a {type}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>Exported only by a node with a certificate (this test's node has none): AdminSecurityTests scrapes it over HTTPS.</summary>
    private static readonly HashSet<string> OnlyWithTls = ["wgsupervisor_tls_certificate_expiry_seconds"];

    private static (string Family, string? Suffix) FamilyOf(string name, IReadOnlyDictionary<string, string> exported)
    {
        foreach (var suffix in new[] { "_bucket", "_count", "_sum" })
            if (name.EndsWith(suffix, StringComparison.Ordinal) && exported.ContainsKey(name[..^suffix.Length]))
                return (name[..^suffix.Length], suffix);
        return (name, null);
    }

    private static IEnumerable<string> DashboardQueries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardFile));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
        Assert.NotEmpty(panels);
        var queries = new List<string>();
        foreach (var panel in panels)
        {
            var targets = panel.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!).ToList();
            Assert.True(targets.Count > 0, $"panel {panel.GetProperty("title").GetString()} has no query");
            queries.AddRange(targets);
        }
        return queries;
    }

    private static IEnumerable<string> AlertQueries() =>
        File.ReadLines(Path.Combine(PrometheusFolder, "alerts.yml"))
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("expr:", StringComparison.Ordinal))
            .Select(line => line["expr:".Length..].Trim());

    /// <summary>A simulated fleet that has finished repairs, so that its histograms and labelled counters have series.</summary>
    private static async Task<string> ScrapeAfterRepairsAsync()
    {
        var (supervisor, config) = await SimulatedSupervisor.StartAsync(tunnels: 3, breakEverySeconds: 0.5);
        await using var _ = supervisor;
        using var __ = config;
        await supervisor.WaitUntilAsync("repairs finished", TimeSpan.FromSeconds(60), async () =>
            (await supervisor.Http.GetStringAsync("/metrics")).Contains("wgsupervisor_repair_duration_seconds_bucket{", StringComparison.Ordinal));
        return await supervisor.Http.GetStringAsync("/metrics");
    }

    private static string RequirePromtool()
    {
        var found = Environment.GetEnvironmentVariable("PATH")?.Split(':')
            .Select(directory => Path.Combine(directory, "promtool")).FirstOrDefault(File.Exists);
        if (found is not null) return found;
        const string missing = "promtool is not installed (scripts/setup.sh --test installs Debian's prometheus package)";
        if (Prerequisites.InCi) throw new InvalidOperationException($"CI=true but a prerequisite is missing: {missing}");
        Skip.If(true, $"skipped: {missing}");
        return "";
    }

    private static Task<(int ExitCode, string Output)> RunAsync(string program, IReadOnlyList<string> arguments, string? standardInput = null) =>
        OwnProcess.RunAsync(program, arguments, TimeSpan.FromSeconds(60), standardInput);
}
