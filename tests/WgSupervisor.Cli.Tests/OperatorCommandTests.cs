using System.Text.Json;
using WgSupervisor.Cli.Tests.Support;

namespace WgSupervisor.Cli.Tests;

/// <summary>restart, pause, resume, release and the site commands: the token, the operator's name, refusals.</summary>
public sealed class OperatorCommandTests
{
    private const string Token = "s3cr3t-token-9d1e";

    [Fact]
    public async Task Restart_sends_the_token_as_bearer_and_the_operator_and_never_prints_the_token()
    {
        await using var api = new FakeAdminApi().OnJson("POST", "/api/tunnels/berlin/restart", 202, """{"tunnel":"berlin","detail":"repair requested"}""");

        var run = await Wgsup.RunAsync("restart", "berlin", "--url", api.Url, "--token", Token, "--operator", "alice@ops");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("berlin: repair requested\n", run.Out);
        var request = Assert.Single(api.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal($"Bearer {Token}", request.Header("Authorization"));
        Assert.Equal("alice@ops", request.Header("X-Operator"));
        Assert.DoesNotContain(Token, run.All);
    }

    [Fact]
    public async Task The_token_comes_from_the_environment_or_a_file_when_not_given()
    {
        await using var api = new FakeAdminApi().OnJson("POST", "/api/tunnels/berlin/resume", 202, """{"tunnel":"berlin","detail":"resumed"}""");
        var tokenFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(tokenFile, "from-file-token\n");

            var fromEnvironment = await Wgsup.RunAsync(new Dictionary<string, string> { ["WGSUPERVISOR_ADMIN_TOKEN"] = "from-env-token" }, false,
                "resume", "berlin", "--url", api.Url);
            var fromFile = await Wgsup.RunAsync(new Dictionary<string, string> { ["WGSUPERVISOR_ADMIN_TOKEN"] = "from-env-token" }, false,
                "resume", "berlin", "--url", api.Url, "--token-file", tokenFile);

            Assert.Equal(0, fromEnvironment.ExitCode);
            Assert.Equal(0, fromFile.ExitCode);
            Assert.Equal(["Bearer from-env-token", "Bearer from-file-token"], api.Requests.Select(r => r.Header("Authorization")));
            Assert.DoesNotContain("from-", fromEnvironment.All + fromFile.All);
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }

    [Fact]
    public async Task Without_a_token_the_401_detail_is_printed_with_a_hint_and_the_exit_code_is_1()
    {
        await using var api = new FakeAdminApi().OnProblem("POST", "/api/tunnels/berlin/restart", 401, "Unauthorized",
            "this route changes the supervisor: send the admin token as 'Authorization: Bearer TOKEN'", "Authorization");

        var run = await Wgsup.RunAsync("restart", "berlin", "--url", api.Url);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Contains("Unauthorized: this route changes the supervisor: send the admin token as 'Authorization: Bearer TOKEN'", run.Error);
        Assert.Contains("--token-file", run.Error);
        Assert.Null(Assert.Single(api.Requests).Header("Authorization"));
    }

    [Fact]
    public async Task A_wrong_token_is_a_failure_and_is_not_echoed()
    {
        await using var api = new FakeAdminApi().OnProblem("POST", "/api/tunnels/berlin/restart", 401, "Unauthorized", "wrong token", "Authorization");

        var run = await Wgsup.RunAsync("restart", "berlin", "--url", api.Url, "--token", Token);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Unauthorized: wrong token", run.Error);
        Assert.DoesNotContain("hint", run.Error);
        Assert.DoesNotContain(Token, run.All);
    }

    [Fact]
    public async Task A_conflict_exits_1_with_the_reason()
    {
        await using var api = new FakeAdminApi().OnProblem("POST", "/api/tunnels/berlin/restart", 409, "Not possible now", "a repair is in flight");

        var run = await Wgsup.RunAsync("restart", "berlin", "--url", api.Url, "--token", Token);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("wgsup: Not possible now: a repair is in flight\n", run.Error);
    }

    [Fact]
    public async Task An_unknown_tunnel_exits_1_with_the_problems_title_and_detail()
    {
        await using var api = new FakeAdminApi().OnProblem("POST", "/api/tunnels/nowhere/release", 404, "Tunnel not found", "no tunnel named 'nowhere' is supervised here");

        var run = await Wgsup.RunAsync("release", "nowhere", "--url", api.Url, "--token", Token);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Tunnel not found: no tunnel named 'nowhere' is supervised here", run.Error);
    }

    [Fact]
    public async Task Pause_sends_the_reason_as_JSON_and_without_one_sends_no_body()
    {
        await using var api = new FakeAdminApi().OnJson("POST", "/api/tunnels/berlin/pause", 202, """{"tunnel":"berlin","detail":"paused"}""");

        var withReason = await Wgsup.RunAsync("pause", "berlin", "--reason", "fibre works until 14:00", "--url", api.Url, "--token", Token);
        var without = await Wgsup.RunAsync("pause", "berlin", "--url", api.Url, "--token", Token);

        Assert.Equal(0, withReason.ExitCode);
        Assert.Equal(0, without.ExitCode);
        var requests = api.Requests;
        Assert.Equal("fibre works until 14:00", JsonDocument.Parse(requests[0].Body).RootElement.GetProperty("reason").GetString());
        Assert.StartsWith("application/json", requests[0].Header("Content-Type"));
        Assert.Equal("", requests[1].Body);
        Assert.Equal("berlin: paused\n", without.Out);
    }

    [Theory]
    [InlineData("site", "pause")]
    [InlineData("pause-site", null)]
    public async Task Site_pause_reaches_every_tunnel_of_the_site(string command, string? subcommand)
    {
        await using var api = new FakeAdminApi().OnJson("POST", "/api/sites/berlin/pause", 202, """{"site":"berlin","tunnels":["berlin-a","berlin-b"]}""");
        string[] args = subcommand is null ? [command, "berlin"] : [command, subcommand, "berlin"];

        var run = await Wgsup.RunAsync([.. args, "--reason", "move", "--url", api.Url, "--token", Token]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("site berlin: pause sent to 2 tunnels (berlin-a, berlin-b)\n", run.Out);
        Assert.Equal("move", JsonDocument.Parse(Assert.Single(api.Requests).Body).RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Site_resume_of_an_unknown_site_exits_1()
    {
        await using var api = new FakeAdminApi().OnProblem("POST", "/api/sites/atlantis/resume", 404, "Site not found", "no tunnel is labelled with site 'atlantis'", "site");

        var run = await Wgsup.RunAsync("resume-site", "atlantis", "--url", api.Url, "--token", Token);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Site not found: no tunnel is labelled with site 'atlantis'", run.Error);
    }

    [Fact]
    public async Task Commands_print_the_202_body_with_json()
    {
        const string accepted = """{"tunnel":"berlin","detail":"repair requested"}""";
        await using var api = new FakeAdminApi().OnJson("POST", "/api/tunnels/berlin/restart", 202, accepted);

        var run = await Wgsup.RunAsync("restart", "berlin", "--json", "--url", api.Url, "--token", Token);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(accepted + "\n", run.Out);
    }
}
