using WgSupervisor.Cli.Api;
using WgSupervisor.Cli.Rendering;
using WgSupervisor.Cli.Tests.Support;

namespace WgSupervisor.Cli.Tests;

/// <summary>The diagnosis in status, show, events and watch: the cause, the words for it, and the held state.</summary>
public sealed class DiagnosisViewTests
{
    [Fact]
    public async Task Status_shows_the_diagnosis_of_each_tunnel_and_counts_the_held_ones()
    {
        await using var api = new FakeAdminApi().OnJson("GET", "/api/tunnels", 200, Samples.List(
            Samples.Tunnel("berlin", "held", 200, cause: "underlay-down", diagnosis: "underlay down for 4 of 4 tunnels"),
            Samples.Tunnel("paris", "restarting", 190, cause: "session-lost", diagnosis: "site lost its session"),
            Samples.Tunnel("rome", "healthy", 12)));

        var run = await Wgsup.RunAsync("status", "--url", api.Url);

        Assert.Equal(0, run.ExitCode);
        var rows = run.Out.Split('\n');
        Assert.Contains(rows, r => r.Contains("Diagnosis"));
        Assert.Contains(rows, r => r.Contains("berlin") && r.Contains("held") && r.Contains("underlay down for 4 of 4 tunnels (underlay-down)"));
        Assert.Contains(rows, r => r.Contains("paris") && r.Contains("restarting") && r.Contains("site lost its session (session-lost)"));
        Assert.Contains("3 tunnels: 1 healthy, 1 held, 1 restarting", run.Out);
    }

    [Fact]
    public async Task Show_prints_the_diagnosis_with_its_cause_and_when_the_episode_began()
    {
        await using var api = new FakeAdminApi().OnJson("GET", "/api/tunnels/berlin", 200, Samples.Tunnel("berlin", "held", 200,
            reason: "held: underlay down for 4 of 4 tunnels", cause: "underlay-down", diagnosis: "underlay down for 4 of 4 tunnels",
            episodeStartedAt: "2026-11-25T09:59:30+00:00"));

        var run = await Wgsup.RunAsync("show", "berlin", "--url", api.Url);

        Assert.Equal(0, run.ExitCode);
        var rows = run.Out.Split('\n');
        Assert.Contains(rows, r => r.Contains("Diagnosis") && r.Contains("underlay down for 4 of 4 tunnels (underlay-down)"));
        Assert.Contains(rows, r => r.Contains("Episode since") && r.Contains("2026-11-25 09:59:30Z"));
        Assert.Contains(rows, r => r.Contains("State") && r.Contains("held"));
    }

    [Fact]
    public async Task Show_of_a_tunnel_without_a_diagnosis_says_so_with_a_dash_and_leaves_out_the_episode()
    {
        await using var api = new FakeAdminApi().OnJson("GET", "/api/tunnels/rome", 200, Samples.Tunnel("rome"));

        var run = await Wgsup.RunAsync("show", "rome", "--url", api.Url);

        Assert.Contains(run.Out.Split('\n'), r => r.Contains("Diagnosis") && r.TrimEnd().EndsWith('-'));
        Assert.DoesNotContain("Episode since", run.Out);
    }

    [Fact]
    public async Task Events_render_a_hold_and_the_diagnosis_that_chose_a_repair()
    {
        await using var api = new FakeAdminApi().OnJson("GET", "/api/tunnels/berlin/events", 200, """
            [{"seq":4,"type":"repair-started","at":"2026-11-25T10:00:00+00:00","rung":"reset-peer","attempt":1,"requestedBy":"supervisor",
              "cause":"session-lost","diagnosis":"site lost its session"},
             {"seq":5,"type":"held","at":"2026-11-25T10:00:02+00:00","cause":"site-unreachable","diagnosis":"handshakes unanswered after reset-peer"}]
            """);

        var run = await Wgsup.RunAsync("events", "berlin", "--url", api.Url);

        Assert.Equal(0, run.ExitCode);
        var rows = run.Out.Split('\n');
        Assert.Contains(rows, r => r.Contains("repair-started") && r.Contains("cause=session-lost") && r.Contains("diagnosis=site lost its session"));
        Assert.Contains(rows, r => r.Contains('5') && r.Contains("2026-11-25 10:00:02Z") && r.Contains("held") && r.Contains("cause=site-unreachable") &&
                                   r.Contains("diagnosis=handshakes unanswered after reset-peer"));
    }

    [Theory]
    [InlineData("held", "purple")]
    [InlineData("stale", "red")]
    [InlineData("healthy", "green")]
    public void Held_has_a_colour_of_its_own(string state, string colour) => Assert.Equal(colour, TunnelViews.StateColour(state));

    [Fact]
    public void The_diagnosis_summary_uses_what_the_supervisor_sent()
    {
        var tunnel = System.Text.Json.JsonSerializer.Deserialize<TunnelView>(Samples.Tunnel("x", cause: "peer-missing"), AdminClient.Json)!;

        Assert.Equal("peer-missing", TunnelViews.DiagnosisSummary(tunnel));
        Assert.Equal("-", TunnelViews.DiagnosisSummary(tunnel with { Cause = null }));
        Assert.Equal("interface gone", TunnelViews.DiagnosisSummary(tunnel with { Cause = null, Diagnosis = "interface gone" }));
    }
}
