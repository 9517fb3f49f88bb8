using System.Globalization;
using System.Text.RegularExpressions;
using WgSupervisor.Integration.Tests.Support;

namespace WgSupervisor.Integration.Tests;

/// <summary>A running host is scraped and its Prometheus exposition parsed.</summary>
public sealed partial class MetricsTests
{
    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>[^""]*)""")]
    private static partial Regex Label();

    [Fact]
    public async Task The_exposition_has_per_tunnel_series_repairs_permits_and_poll_durations()
    {
        var (supervisor, config) = await SimulatedSupervisor.StartAsync(tunnels: 4, breakEverySeconds: 0.5);
        await using var _ = supervisor;
        using var __ = config;
        await supervisor.WaitUntilAsync("repairs finished", TimeSpan.FromSeconds(60), async () =>
            (await ScrapeAsync(supervisor)).Any(s => s.Name == "wgsupervisor_repairs_total" && s.Value > 0));

        var samples = await ScrapeAsync(supervisor);
        var text = await supervisor.Http.GetStringAsync("/metrics");

        foreach (var name in new[]
                 {
                     "wgsupervisor_tunnel_latest_handshake_seconds", "wgsupervisor_tunnel_state", "wgsupervisor_tunnel_up",
                     "wgsupervisor_tunnel_received_bytes", "wgsupervisor_tunnel_sent_bytes", "wgsupervisor_repairs_total",
                     "wgsupervisor_repair_duration_seconds_bucket", "wgsupervisor_permits_in_use", "wgsupervisor_permits_queued",
                     "wgsupervisor_poll_duration_seconds_count",
                 })
            Assert.Contains(samples, s => s.Name == name);
        Assert.Contains("# TYPE wgsupervisor_repairs_total counter", text);
        Assert.Contains("# TYPE wgsupervisor_repair_duration_seconds histogram", text);
        Assert.Contains("# TYPE wgsupervisor_tunnel_state gauge", text);

        var tunnels = samples.Where(s => s.Name == "wgsupervisor_tunnel_up").ToList();
        Assert.Equal(4, tunnels.Count);
        Assert.All(tunnels, t =>
        {
            Assert.StartsWith("sim", t.Labels["interface"]);
            Assert.Equal(44, t.Labels["public_key"].Length);
        });
        foreach (var tunnel in tunnels.Select(t => t.Labels["tunnel"]))
            Assert.Equal(1, samples.Where(s => s.Name == "wgsupervisor_tunnel_state" && s.Labels["tunnel"] == tunnel).Sum(s => s.Value));
        Assert.All(samples.Where(s => s.Name == "wgsupervisor_repairs_total"), s => Assert.Equal("restart-interface", s.Labels["rung"]));
        Assert.True(samples.Single(s => s.Name == "wgsupervisor_poll_duration_seconds_count").Value > 0);
    }

    private sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>Parses every sample line; a line that is neither a comment nor a sample fails the test.</summary>
    private static async Task<List<Sample>> ScrapeAsync(SupervisorProcess supervisor)
    {
        var samples = new List<Sample>();
        foreach (var line in (await supervisor.Http.GetStringAsync("/metrics")).Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a Prometheus sample line: {line}");
            var labels = Label().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value);
            samples.Add(new Sample(match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
        return samples;
    }
}
