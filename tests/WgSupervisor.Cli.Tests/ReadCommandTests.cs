using System.Text.Json;
using WgSupervisor.Cli.Tests.Support;

namespace WgSupervisor.Cli.Tests;

/// <summary>status, show, events, fleet, health: what they ask the API and what they print.</summary>
public sealed class ReadCommandTests
{
    [Fact]
    public async Task Status_prints_one_row_per_tunnel_with_human_handshake_ages_and_exits_0()
    {
        await using var api = new FakeAdminApi().OnJson("GET", "/api/tunnels", 200, Samples.List(
            Samples.Tunnel("berlin", "healthy", 12.4),
            Samples.Tunnel("paris", "stale", 200, restartCount: 2,
                lastRepair: """{"rung":"restart-interface","outcome":"verify-timed-out","at":"2026-11-25T09:58:00+00:00","durationSeconds":4.1,"detail":null}"""),
            Samples.Tunnel("rome", "restarting", null, restartCount: 1, currentRepair: """{"rung":"reset-peer","outcome":null,"at":"2026-11-25T10:00:00+00:00","durationSeconds":null,"detail":null}""")));

        var run = await Wgsup.RunAsync("status", "--url", api.Url);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        var rows = run.Out.Split('\n');
        Assert.Contains(rows, r => r.Contains("berlin") && r.Contains("healthy") && r.Contains("12 s"));
        Assert.Contains(rows, r => r.Contains("paris") && r.Contains("stale") && r.Contains("3 min") && r.Contains("restart-interface verify-timed-out") && r.Contains('2'));
        Assert.Contains(rows, r => r.Contains("rome") && r.Contains("restarting") && r.Contains("never") && r.Contains("reset-peer in flight"));
        Assert.Contains("3 tunnels: 1 healthy, 1 restarting, 1 stale", run.Out);
        Assert.Equal("/api/tunnels", Assert.Single(api.Requests).PathAndQuery);
    }

    [Fact]
    public async Task Status_filters_go_to_the_API_as_query_parameters()
    {
        await using var api = new FakeAdminApi().OnJson("GET", "/api/tunnels", 200, "[]");

        var run = await Wgsup.RunAsync("status", "--url", api.Url, "--state", "stale", "--site", "berlin", "--node", "gw1");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("/api/tunnels?state=stale&site=berlin&node=gw1", Assert.Single(api.Requests).PathAndQuery);
        Assert.Contains("no tunnel matches", run.Out);
    }

    [Fact]
    public async Task Json_passes_the_APIs_answer_through_unchanged()
    {
        var body = Samples.List(Samples.Tunnel("berlin"), Samples.Tunnel("paris", "stale"));
        await using var api = new FakeAdminApi()
            .OnJson("GET", "/api/tunnels", 200, body)
            .OnJson("GET", "/api/tunnels/berlin", 200, Samples.Tunnel("berlin"))
            .OnJson("GET", "/api/tunnels/berlin/events", 200, """[{"seq":1,"type":"healthy","at":"2026-11-25T10:00:00+00:00"}]""")
            .OnJson("GET", "/api/fleet", 200, """{"permitsInUse":0,"permitLimit":2,"permitHolders":[],"queue":[],"polls":[],"pendingHistoryEvents":0,"historyProblems":[]}""");

        var status = await Wgsup.RunAsync("status", "--json", "--url", api.Url);
        var show = await Wgsup.RunAsync("--json", "show", "berlin", "--url", api.Url);
        var events = await Wgsup.RunAsync("events", "berlin", "--json", "--url", api.Url);
        var fleet = await Wgsup.RunAsync("fleet", "--json", "--url", api.Url);

        Assert.Equal(body + "\n", status.Out);
        Assert.Equal(Samples.Tunnel("berlin") + "\n", show.Out);
        Assert.Equal("""[{"seq":1,"type":"healthy","at":"2026-11-25T10:00:00+00:00"}]""" + "\n", events.Out);
        Assert.Equal(2, JsonDocument.Parse(fleet.Out).RootElement.GetProperty("permitLimit").GetInt32());
        Assert.All(new[] { status, show, events, fleet }, run => Assert.Equal(0, run.ExitCode));
    }

    [Fact]
    public async Task Show_prints_every_detail_including_probe_and_warnings()
    {
        await using var api = new FakeAdminApi().OnJson("GET", "/api/tunnels/berlin", 200, Samples.Tunnel("berlin", "stale", 190.5, restartCount: 3,
            reason: "HandshakeTooOld",
            lastRepair: """{"rung":"restart-interface","outcome":"succeeded","at":"2026-11-25T09:00:00+00:00","durationSeconds":3.2,"detail":"wg-quick up"}""",
            probe: """{"target":"icmp 10.251.1.2","lastSucceeded":false,"consecutiveFailures":4,"lastSuccessAt":null,"lastError":"timeout"}""",
            warnings: """["StaleAfterSeconds 60 is below 135 s"]"""));

        var run = await Wgsup.RunAsync("show", "berlin", "--url", api.Url);

        Assert.Equal(0, run.ExitCode);
        foreach (var expected in new[]
                 {
                     "berlin", "gw1", "stale", "HandshakeTooOld", "wg-berlin", "wgs-gw", "nF1tVvDOAQ0S5tLk1lYNx1q0yq2VxXgKxV+7zmF0ukE=",
                     "10.250.1.2:51820", "3 min ago", "rx 1.5 KiB, tx 2.0 MiB", "restart-interface succeeded at 2026-11-25 09:00:00Z after 3.2 s: wg-quick up",
                     "icmp 10.251.1.2", "consecutiveFailures", "timeout", "StaleAfterSeconds 60 is below 135 s",
                 })
            Assert.Contains(expected, run.Out);
    }

    [Fact]
    public async Task Events_prints_the_history_and_passes_limit_and_after()
    {
        await using var api = new FakeAdminApi().OnJson("GET", "/api/tunnels/berlin/events", 200, """
            [{"seq":7,"type":"repair-started","at":"2026-11-25T10:00:00+00:00","rung":"restart-interface","attempt":1,"requestedBy":"alice via admin API"},
             {"seq":8,"type":"repair-finished","at":"2026-11-25T10:00:04+00:00","rung":"restart-interface","outcome":"Succeeded","detail":null}]
            """);

        var run = await Wgsup.RunAsync("events", "berlin", "--limit", "2", "--after", "6", "--url", api.Url);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("/api/tunnels/berlin/events?after=6&limit=2", Assert.Single(api.Requests).PathAndQuery);
        var rows = run.Out.Split('\n');
        Assert.Contains(rows, r => r.Contains('7') && r.Contains("2026-11-25 10:00:00Z") && r.Contains("repair-started") && r.Contains("requestedBy=alice via admin API"));
        Assert.Contains(rows, r => r.Contains('8') && r.Contains("repair-finished") && r.Contains("outcome=Succeeded"));
        Assert.DoesNotContain("detail=", run.Out);
    }

    [Fact]
    public async Task Fleet_prints_permits_queue_and_polls()
    {
        await using var api = new FakeAdminApi().OnJson("GET", "/api/fleet", 200, """
            {"permitsInUse":1,"permitLimit":2,"permitHolders":["berlin"],"queue":["paris"],
             "polls":[{"namespace":"wgs-gw","lastSuccess":"2026-11-25T10:00:00+00:00","lastFailure":null,"lastError":null}],
             "pendingHistoryEvents":0,"historyProblems":[]}
            """);

        var run = await Wgsup.RunAsync("fleet", "--url", api.Url);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("1 of 2 in use by berlin", run.Out);
        Assert.Contains("paris", run.Out);
        Assert.Contains(run.Out.Split('\n'), r => r.Contains("wgs-gw") && r.Contains("2026-11-25 10:00:00Z"));
    }

    [Fact]
    public async Task Health_exits_0_when_alive_and_1_with_the_failing_check_when_not_ready()
    {
        await using var api = new FakeAdminApi()
            .OnJson("GET", "/healthz", 200, """{"status":"degraded","checks":{"journal":{"status":"degraded","description":"journal unreachable","data":null}}}""")
            .OnJson("GET", "/readyz", 503, """{"status":"unhealthy","checks":{"poller":{"status":"unhealthy","description":"no poll for 30 s","data":null}}}""");

        var alive = await Wgsup.RunAsync("health", "--url", api.Url);
        var ready = await Wgsup.RunAsync("health", "--ready", "--url", api.Url);

        Assert.Equal(0, alive.ExitCode);
        Assert.Contains("journal unreachable", alive.Out);
        Assert.Equal(1, ready.ExitCode);
        Assert.Contains("no poll for 30 s", ready.Out);
    }
}
