using WgSupervisor.Cli.Tests.Support;

namespace WgSupervisor.Cli.Tests;

/// <summary>0 ok, 1 the API said no, 2 usage, 3 unreachable: for the kinds of failure that do not need a scripted answer.</summary>
public sealed class ExitCodeTests
{
    [Theory]
    [InlineData("")]
    [InlineData("bogus")]
    [InlineData("show")]
    [InlineData("show a/b")]
    [InlineData("show ..")]
    [InlineData("status --no-such-option")]
    [InlineData("events berlin --limit 0")]
    [InlineData("events berlin --limit many")]
    [InlineData("status --timeout soon")]
    [InlineData("site pause")]
    public async Task A_bad_command_line_exits_2_without_asking_the_API(string commandLine)
    {
        await using var api = new FakeAdminApi();
        var args = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        var run = await Wgsup.RunAsync([.. args, "--url", api.Url]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("wgsup: ", run.Error);
        Assert.Contains("--help", run.Error);
        Assert.Empty(api.Requests);
    }

    [Theory]
    [InlineData("--url", "ftp://127.0.0.1:5080")]
    [InlineData("--url", "not a url")]
    [InlineData("--operator", "alice smith")]
    [InlineData("--timeout", "0")]
    [InlineData("--token-file", "/nonexistent/wgsup-token")]
    public async Task A_bad_global_option_value_exits_2_naming_the_option(string option, string value)
    {
        await using var api = new FakeAdminApi();
        string[] args = option == "--url" ? ["status", option, value] : ["status", "--url", api.Url, option, value];

        var run = await Wgsup.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(option, run.Error);
        Assert.Empty(api.Requests);
    }

    [Fact]
    public async Task Token_and_token_file_together_exit_2_without_printing_the_token()
    {
        var run = await Wgsup.RunAsync("restart", "berlin", "--url", "http://127.0.0.1:1", "--token", "hush-hush-1", "--token-file", "/tmp/x");

        Assert.Equal(2, run.ExitCode);
        Assert.DoesNotContain("hush-hush-1", run.All);
    }

    [Fact]
    public async Task A_refused_connection_exits_3()
    {
        var port = FakeAdminApi.FreePort(); // nobody listens there any more

        var run = await Wgsup.RunAsync("status", "--url", $"http://127.0.0.1:{port}");

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("connection refused", run.Error);
        Assert.Contains($"127.0.0.1:{port}", run.Error);
    }

    [Fact]
    public async Task No_answer_within_the_timeout_exits_3()
    {
        // The API answers only after wgsup has returned: wgsup's exit cannot be the answer's doing, whatever the machine's load
        // (this was a 5-s delay of the answer and "wgsup took under 4 s", which a loaded machine can overrun).
        var wgsupReturned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var api = new FakeAdminApi().On("GET", "/api/tunnels", async (context, _) =>
        {
            await wgsupReturned.Task;
            await FakeAdminApi.WriteAsync(context, 200, "[]");
        });

        var clock = System.Diagnostics.Stopwatch.StartNew();
        WgsupRun run;
        try
        {
            run = await Wgsup.RunAsync("status", "--url", api.Url, "--timeout", "0.3");
        }
        finally
        {
            wgsupReturned.TrySetResult();
        }
        var took = clock.Elapsed;

        Assert.Equal(3, run.ExitCode);
        Assert.Contains("within 0.3 s", run.Error);
        // It gave up on the 0.3 s it was given (not sooner, less a timer's millisecond granularity), not on the default time-out it
        // would have used without --timeout: that one would have taken 10 s at least.
        Assert.InRange(took, TimeSpan.FromSeconds(0.3) - TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(ClientSettings.DefaultTimeoutSeconds));
    }

    [Fact]
    public async Task A_400_from_the_API_is_a_usage_error()
    {
        await using var api = new FakeAdminApi().OnProblem("GET", "/api/tunnels", 400, "Invalid parameter 'state'",
            "one of unknown, healthy, stale, restarting, backoff, paused, quarantined", "state");

        var run = await Wgsup.RunAsync("status", "--state", "sleepy", "--url", api.Url);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Invalid parameter 'state': one of unknown, healthy", run.Error);
    }

    [Fact]
    public async Task A_server_error_without_a_problem_body_exits_1_with_the_status()
    {
        await using var api = new FakeAdminApi().OnJson("GET", "/api/tunnels", 500, "<html>boom</html>", "text/html");

        var run = await Wgsup.RunAsync("status", "--url", api.Url);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("HTTP 500", run.Error);
        Assert.Contains("boom", run.Error);
    }

    [Fact]
    public async Task A_foreign_server_is_a_failure_with_a_hint_about_the_url()
    {
        await using var api = new FakeAdminApi(); // every route: 404, text/plain

        var run = await Wgsup.RunAsync("status", "--url", api.Url);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("HTTP 404", run.Error);
    }

    [Fact]
    public async Task A_success_that_is_not_the_documented_JSON_exits_1()
    {
        await using var api = new FakeAdminApi().OnJson("GET", "/api/tunnels", 200, "{\"not\":\"a list\"}");

        var run = await Wgsup.RunAsync("status", "--url", api.Url);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("not the expected JSON", run.Error);
    }

    [Fact]
    public async Task The_url_comes_from_WGSUPERVISOR_URL_and_a_path_prefix_is_kept()
    {
        await using var api = new FakeAdminApi().OnJson("GET", "/wg/api/tunnels", 200, "[]");

        var run = await Wgsup.RunAsync(new Dictionary<string, string> { ["WGSUPERVISOR_URL"] = api.Url + "/wg" }, false, "status");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("/wg/api/tunnels", Assert.Single(api.Requests).PathAndQuery);
    }

    [Fact]
    public async Task Help_exits_0()
    {
        var run = await Wgsup.RunAsync("--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("restart", run.Out);
        Assert.Contains("--token-file", run.Out);
    }

    [Fact]
    public async Task As_a_real_process_the_exit_codes_are_the_same()
    {
        var refused = await Wgsup.RunProcessAsync(new Dictionary<string, string>(), "status", "--url", $"http://127.0.0.1:{FakeAdminApi.FreePort()}");
        var usage = await Wgsup.RunProcessAsync(new Dictionary<string, string>(), "restart");
        await using var api = new FakeAdminApi().OnJson("GET", "/api/tunnels", 200, Samples.List(Samples.Tunnel("berlin")));
        var ok = await Wgsup.RunProcessAsync(new Dictionary<string, string> { ["WGSUPERVISOR_URL"] = api.Url }, "status");

        Assert.True(refused.ExitCode == 3, refused.ToString());
        Assert.True(usage.ExitCode == 2, usage.ToString());
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("berlin", ok.Out);
    }
}
