using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using WgSupervisor.Integration.Tests.Support;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// Every command README.md shows is either run here as written — from a clean clone of the committed HEAD, as root,
/// never through sudo — or named in <see cref="Table"/> with the concrete reason it is not (and, where it is, the test that
/// covers it instead). A README command the table does not know fails the first test, so no new command goes untested
/// silently; so does a table entry README no longer shows.
/// In the serial collection: the clone builds the host twice (Release for scripts/run.sh, Debug for dotnet run), which
/// takes both cores for a while and would starve timing-sensitive tests; and README's own address 127.0.0.1:5080 is used.
/// </summary>
[Collection(RealWireGuardCollection.Name)]
public sealed class ReadmeCommandsTests(ReadmeClone clone, ITestOutputHelper output) : IClassFixture<ReadmeClone>
{
    // README's commands, exactly as README shows them (a placeholder such as PATH or DIR is replaced where it is run).
    private const string RunDemo = "bash scripts/run.sh";
    private const string RunTests = "bash scripts/test.sh";
    private const string ListTunnels = "curl -s http://127.0.0.1:5080/api/tunnels";
    private const string RestartSite1 = """curl -s -X POST -H "Authorization: Bearer $WGSUPERVISOR_ADMIN_TOKEN" http://127.0.0.1:5080/api/tunnels/site1/restart""";
    private const string RepairEvents = """curl -s "http://127.0.0.1:5080/api/events?type=repair-finished&since=2026-11-25T00:00:00Z&limit=50" """;
    private const string CliStatus = "dotnet run --project src/WgSupervisor.Cli -- status";
    private const string RunOnShippedConfig = "dotnet run --project src/WgSupervisor.Host -- --config config/wgsupervisor.json";
    private const string RunScriptOnOwnConfig = "bash scripts/run.sh --config /path/to/wgsupervisor.json";
    private const string RunHostOnOwnConfig = "dotnet run --project src/WgSupervisor.Host -- --config PATH";
    private const string MakeCertificates =
        "dotnet run --project src/WgSupervisor.Host -- certs --out /etc/wgsupervisor/tls gw-1=10.0.0.1,gw-1.example.net gw-2=10.0.0.2 gw-3=10.0.0.3";
    private const string Publish = "dotnet publish src/WgSupervisor.Host -c Release -o DIR";
    private const string RunPublished = "dotnet DIR/wgsupervisor.dll";
    private const string CheckSignature = """printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" """;
    private const string StartPostgres = "scripts/postgres.sh start";

    private static readonly Uri ReadmeUrl = new("http://127.0.0.1:5080");
    /// <summary>A start that includes building the host from a clean clone (bounded; CI takes about a minute).</summary>
    private static readonly TimeSpan StartWithBuild = TimeSpan.FromMinutes(8);
    private static readonly TimeSpan ShortCommand = TimeSpan.FromSeconds(30);
    /// <summary>How long a stopped command (and everything it started) may take to end.</summary>
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The shipped configuration discovers every WireGuard peer of the host's namespace and would repair a stale one. A test
    /// must not touch interfaces it did not make, so discovery is turned off the way README says any key is overridden.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, string> OnlyWhatTheTestMade = new Dictionary<string, string> { ["WGSUP_Discover"] = "false" };

    /// <summary>How a README command is covered.</summary>
    public abstract record Coverage(string Why);
    /// <summary>Run as written by the named test of this class.</summary>
    public sealed record RunHere(string Test) : Coverage($"run here by {Test}");
    /// <summary>Run by another test (with the reason it is not run here).</summary>
    public sealed record RunElsewhere(string Test, string How) : Coverage($"covered by {Test}: {How}");
    /// <summary>Not run by any test, for the reason given.</summary>
    public sealed record NotRunHere(string Reason) : Coverage($"not run here: {Reason}");
    /// <summary>An indented block that is not a command (a diagram, a listing).</summary>
    public sealed record NotACommand(string What) : Coverage($"not a command: {What}");

    public sealed record Entry(Regex Pattern, string Shown, Coverage Coverage);

    private static Entry Exact(string text, Coverage coverage) => new(new Regex("^" + Regex.Escape(text.Trim()) + "$"), text.Trim(), coverage);
    private static Entry Like(string pattern, string shown, Coverage coverage) => new(new Regex(pattern), shown, coverage);

    private const string NoSystemd = "there is no systemd on CI machines; the unit file is checked by Host.Tests' PackagingTests";
    private const string NoDocker = "there is no Docker engine on CI machines; the compose file's services and each node's settings are checked by Host.Tests' PackagingTests";
    private const string OtherHosts = "a gateway of a three-machine cluster at 10.0.0.1-3: network safety forbids traffic outside namespaces the tests create; " +
        "the same settings (mutual TLS, seeds, node names) are run by ClusterTests, three nodes in namespaces of their own";

    /// <summary>Every command README shows and how it is covered.</summary>
    public static readonly IReadOnlyList<Entry> Table =
    [
        Exact(RunDemo, new RunHere(nameof(The_demo_runs_as_written_and_answers_the_API_and_CLI_commands_README_shows))),
        Exact(RunTests, new NotRunHere("the CI command itself (.ci/run calls it) and this test is one of the tests it runs: running it here would recurse")),
        Exact(ListTunnels, new RunHere(nameof(The_demo_runs_as_written_and_answers_the_API_and_CLI_commands_README_shows))),
        Exact(RestartSite1, new RunHere(nameof(The_demo_runs_as_written_and_answers_the_API_and_CLI_commands_README_shows))),
        Exact(RepairEvents, new RunHere(nameof(The_demo_runs_as_written_and_answers_the_API_and_CLI_commands_README_shows))),
        Exact(CliStatus, new RunHere(nameof(The_demo_runs_as_written_and_answers_the_API_and_CLI_commands_README_shows))),
        Exact(RunOnShippedConfig, new RunHere(nameof(The_supervisor_runs_as_written_on_the_shipped_configuration))),
        Exact(RunScriptOnOwnConfig, new RunHere(nameof(A_relative_config_path_means_relative_to_where_the_user_is))),
        Exact(RunHostOnOwnConfig, new RunHere(nameof(A_relative_config_path_means_relative_to_where_the_user_is))),
        Exact(MakeCertificates, new RunHere(nameof(The_certificates_command_runs_as_written))),
        Exact(Publish, new RunHere(nameof(The_published_folder_runs_as_written))),
        Exact(RunPublished, new RunHere(nameof(The_published_folder_runs_as_written))),
        Exact(CheckSignature, new RunHere(nameof(The_signature_check_README_shows_agrees_with_the_supervisors_signature))),
        Exact(StartPostgres, new RunHere(nameof(The_local_PostgreSQL_starts_as_written))),

        Exact("wgsupervisor check --config PATH", new RunElsewhere(nameof(DebianPackageTests),
            "`wgsupervisor` is on PATH only once installed; the package test runs it from the installed path with README's PATH")),
        Exact("wgsupervisor check --config /etc/wgsupervisor/wgsupervisor.json", new RunElsewhere(nameof(DebianPackageTests),
            "run from the installed /usr/bin/wgsupervisor after the package is installed")),
        Like(@"^bash packaging/deb/build\.sh(\s+#.*)?$", "bash packaging/deb/build.sh  # ...", new RunElsewhere(nameof(DebianPackageTests),
            "run with --output to a temporary folder, so that a test leaves no artifacts/ in the checkout")),
        Exact("apt-get install ./artifacts/deb/wgsupervisor_1.0.0_amd64.deb", new RunElsewhere(nameof(DebianPackageTests),
            "installs the package it built (with -y, as a script must)")),
        Exact("apt-get purge wgsupervisor", new RunElsewhere(nameof(DebianPackageTests), "purges the package and checks that nothing of it is left")),
        Like(@"^bash packaging/install\.sh(\s+#.*)?$", "bash packaging/install.sh  # ...", new NotRunHere(
            "installs into /opt/wgsupervisor, /etc/wgsupervisor, /etc/systemd and /usr/local/bin of the CI machine, paths DebianPackageTests' package owns; " +
            "its publish step is README's `dotnet publish` (run here) and its unit file is checked by PackagingTests")),
        Exact("editor /etc/wgsupervisor/wgsupervisor.json", new NotRunHere("opens an interactive editor")),
        Exact("systemctl enable --now wgsupervisor", new NotRunHere(NoSystemd)),
        Exact("systemctl restart wgsupervisor", new NotRunHere(NoSystemd)),
        Exact("systemctl restart UNIT", new RunElsewhere("WireGuard.Tests' repair rung tests",
            "prose: what the restart-interface rung runs with SystemdUnit set, checked on a fake process runner")),
        Exact("export WGSUPERVISOR_ADMIN_TOKEN=$(openssl rand -hex 24); docker compose up --build", new NotRunHere(NoDocker)),
        Exact("docker compose up", new NotRunHere(NoDocker)),
        Exact("export WGSUP_Cluster__Enabled=true WGSUP_Cluster__Tls__CaFile=/etc/wgsupervisor/tls/ca.crt", new NotRunHere(OtherHosts)),
        Exact("export WGSUP_Cluster__SeedNodes__0=akka.ssl.tcp://wgsupervisor@10.0.0.1:4053 WGSUP_Cluster__SeedNodes__1=akka.ssl.tcp://wgsupervisor@10.0.0.2:4053",
            new NotRunHere(OtherHosts)),
        Exact("export WGSUP_NodeName=gw-1 WGSUP_Cluster__Hostname=10.0.0.1", new NotRunHere(OtherHosts)),
        Exact("export WGSUP_Cluster__Tls__CertificateFile=/etc/wgsupervisor/tls/gw-1.crt WGSUP_Cluster__Tls__KeyFile=/etc/wgsupervisor/tls/gw-1.key",
            new NotRunHere(OtherHosts)),
        Exact("wgsupervisor certs", new NotRunHere("the command's name in prose; its full form is README's `dotnet run ... -- certs --out ...`, run here")),
        Exact("wgsup --ca-file ca.crt", new RunElsewhere("Cli.Tests' CaFileTests", "an option in prose, used against an HTTPS endpoint of a private CA")),
        Exact("wgsup --ca-file", new RunElsewhere("Cli.Tests' CaFileTests", "an option in prose")),
        Exact("curl --cacert ca.crt", new RunElsewhere(nameof(AdminSecurityTests), "an option in prose; the HTTPS admin endpoint is checked with the CA it was given")),

        Like(@"^(Unknown|Healthy|Stale|Held|Restarting|Backoff|any)\s+--\(.*$", "Unknown  --(first judgement)--> ...", new NotACommand("the tunnel's state diagram")),
        Like(@"^src/WgSupervisor\.[A-Za-z]+\s{2,}\S.*$", "src/WgSupervisor.X   what it holds", new NotACommand("the source layout")),
    ];

    [Fact]
    public void Every_command_README_shows_is_in_the_table_and_every_table_entry_is_in_README()
    {
        var commands = ReadmeCommands.Parse(File.ReadAllText(Path.Combine(Repository.Root, "README.md")));
        foreach (var command in commands) output.WriteLine($"{command}\n    -> {Cover(command)?.Coverage.Why ?? "UNKNOWN"}");

        var unknown = commands.Where(c => Cover(c) is null).ToList();
        Assert.True(unknown.Count == 0, "README shows commands this test's table does not know; run each here as written, or add it to the " +
            "table with the reason it is not run:\n" + string.Join('\n', unknown));
        var dropped = Table.Where(e => !commands.Any(c => e.Pattern.IsMatch(c.Text))).ToList();
        Assert.True(dropped.Count == 0, "the table names commands README no longer shows:\n" + string.Join('\n', dropped.Select(e => e.Shown)));
        // Commands work as root with or without sudo installed: none is shown with it (README says where to add it).
        var withSudo = commands.Where(c => Regex.IsMatch(c.Text, @"(^|[\s;|&(])sudo\s")).ToList();
        Assert.True(withSudo.Count == 0, "README shows commands through sudo, which a minimal Debian root shell lacks:\n" + string.Join('\n', withSudo));
    }

    private static Entry? Cover(ReadmeCommand command) => Table.FirstOrDefault(e => e.Pattern.IsMatch(command.Text));

    [SkippableFact]
    public async Task The_demo_runs_as_written_and_answers_the_API_and_CLI_commands_README_shows()
    {
        Prerequisites.RequireWireGuardLab();
        RequireTools("git", "curl", "setsid");
        RequireReadmePortFree();
        var root = await clone.RootAsync();
        using var demo = ReadmeShell.Start(RunDemo, root);
        string? runId = null;
        bool stoppedInTime;
        List<string> leftovers = [];
        try
        {
            await WaitUntilHealthyAsync(demo, ReadmeUrl, StartWithBuild);
            Assert.Contains("Dashboard:    http://127.0.0.1:5080/", demo.Output);
            var token = Regex.Match(demo.Output, @"Admin token:\s+(\S+)").Groups[1].Value;
            Assert.True(token.Length >= 16, "the demo prints its throwaway admin token");

            var tunnels = await RunShortAsync(ListTunnels, root);
            var list = JsonNode.Parse(tunnels)!.AsArray();
            Assert.Equal(["site1", "site2", "site3"], list.Select(t => t!["name"]!.GetValue<string>()).Order());
            runId = Regex.Match(list[0]!["namespace"]!.GetValue<string>(), "^wgs-(w[a-z]+)-gw$").Groups[1].Value;
            Assert.False(string.IsNullOrEmpty(runId), "the demo's tunnels live in the lab's gateway namespace wgs-RUNID-gw");

            // As a user would: look until site1 is up before asking for its restart (a restart is refused in some states).
            await WaitForStateAsync("site1", "healthy", TimeSpan.FromSeconds(90));
            var restart = await RunShortAsync(RestartSite1, root, new Dictionary<string, string> { ["WGSUPERVISOR_ADMIN_TOKEN"] = token });
            Assert.Equal("site1", JsonNode.Parse(restart)!["tunnel"]?.GetValue<string>());

            var events = JsonNode.Parse(await RunShortAsync(RepairEvents, root))!;
            Assert.NotNull(events["events"]?.AsArray());

            var status = await ReadmeShell.RunAsync(CliStatus, root, StartWithBuild);
            output.WriteLine($"$ {CliStatus}\n{status.Output}");
            Assert.True(status.ExitCode == 0, $"'{CliStatus}' exited {status.ExitCode}:\n{status.Output}");
            Assert.Contains("site1", status.Output);
        }
        finally
        {
            stoppedInTime = await demo.StopAsync(StopBound);
            output.WriteLine($"$ {RunDemo}\n{demo.Output}");
            if (runId is not null) leftovers = await RemoveLabLeftoversAsync(runId);
        }
        Assert.True(stoppedInTime, $"the demo and what it started did not end within {StopBound.TotalSeconds} s of SIGTERM");
        Assert.True(leftovers.Count == 0, "the demo left parts of its lab behind: " + string.Join(", ", leftovers));
    }

    [SkippableFact]
    public async Task The_supervisor_runs_as_written_on_the_shipped_configuration()
    {
        RequireRoot();
        RequireTools("git", "curl", "setsid");
        RequireReadmePortFree();
        var root = await clone.RootAsync();
        // From the repository's root, as README's cluster example does (a node's settings come from WGSUP_ variables there).
        await RunUntilHealthyThenStopAsync(RunOnShippedConfig, root, ReadmeUrl, OnlyWhatTheTestMade, async () =>
        {
            Assert.NotNull(JsonNode.Parse(await RunShortAsync(ListTunnels, root))!.AsArray());
            using var http = new HttpClient { BaseAddress = ReadmeUrl, Timeout = ShortCommand };
            Assert.False(JsonNode.Parse(await http.GetStringAsync("/api/config"))!["discover"]!.GetValue<bool>(), "WGSUP_Discover=false took effect");
        });
    }

    [SkippableFact]
    public async Task A_relative_config_path_means_relative_to_where_the_user_is()
    {
        RequireRoot();
        RequireTools("git", "setsid");
        var root = await clone.RootAsync();
        var elsewhere = clone.Elsewhere;
        var port = LoopbackPort.Free();
        File.WriteAllText(Path.Combine(elsewhere, "my.json"),
            $$"""{ "Admin": { "Url": "http://127.0.0.1:{{port}}" }, "Discover": false, "Tunnels": [] }""");
        var url = new Uri($"http://127.0.0.1:{port}");

        // The user is in a folder of their own, with my.json beside them, and names the repository's script or project by
        // its path: README's PATH is then "my.json". The supervisor answering on my.json's port shows that it read my.json.
        var script = RunScriptOnOwnConfig.Replace("scripts/run.sh", Path.Combine(root, "scripts", "run.sh"))
            .Replace("/path/to/wgsupervisor.json", "my.json");
        await RunUntilHealthyThenStopAsync(script, elsewhere, url, null, () => Task.CompletedTask);

        var host = RunHostOnOwnConfig.Replace("src/WgSupervisor.Host", Path.Combine(root, "src", "WgSupervisor.Host")).Replace("PATH", "my.json");
        await RunUntilHealthyThenStopAsync(host, elsewhere, url, null, () => Task.CompletedTask);
    }

    [SkippableFact]
    public async Task The_published_folder_runs_as_written()
    {
        RequireRoot();
        RequireTools("git", "setsid");
        RequireReadmePortFree();
        var root = await clone.RootAsync();
        var folder = Path.Combine(clone.Elsewhere, "published");
        var publish = await ReadmeShell.RunAsync(Publish.Replace("DIR", folder), root, StartWithBuild);
        output.WriteLine($"$ {Publish}\n{publish.Output}");
        Assert.True(publish.ExitCode == 0, $"'{Publish}' exited {publish.ExitCode}:\n{publish.Output}");
        // From the repository's root: without --config it reads config/wgsupervisor.json there (README: "without --config it reads ...").
        await RunUntilHealthyThenStopAsync(RunPublished.Replace("DIR", folder), root, ReadmeUrl, OnlyWhatTheTestMade, () => Task.CompletedTask);
    }

    [SkippableFact]
    public async Task The_certificates_command_runs_as_written()
    {
        RequireRoot();
        RequireTools("git", "setsid");
        const string configFolder = "/etc/wgsupervisor";
        if (Directory.Exists(configFolder))
        {
            // Not ours to write into or remove: an installed supervisor's configuration.
            var why = $"{configFolder} exists (an installed WgSupervisor); README's certs command writes into it";
            if (Prerequisites.InCi) Assert.Fail($"CI=true but {why}");
            Skip.If(true, $"skipped: {why}");
        }
        var root = await clone.RootAsync();
        try
        {
            var certs = await ReadmeShell.RunAsync(MakeCertificates, root, StartWithBuild);
            output.WriteLine($"$ {MakeCertificates}\n{certs.Output}");
            Assert.True(certs.ExitCode == 0, $"'{MakeCertificates}' exited {certs.ExitCode}:\n{certs.Output}");
            const string tls = "/etc/wgsupervisor/tls";
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, new DirectoryInfo(tls).UnixFileMode);
            foreach (var name in new[] { "ca", "gw-1", "gw-2", "gw-3" })
            {
                Assert.True(File.Exists(Path.Combine(tls, $"{name}.crt")), $"{name}.crt");
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, new FileInfo(Path.Combine(tls, $"{name}.key")).UnixFileMode);
            }
        }
        finally
        {
            if (Directory.Exists(configFolder)) Directory.Delete(configFolder, recursive: true);
        }
    }

    [SkippableFact]
    public async Task The_signature_check_README_shows_agrees_with_the_supervisors_signature()
    {
        RequireTools("openssl", "setsid");
        const string body = """{"id":"d-1","event":"stale","tunnel":"site1"}""";
        const string secret = "a-webhook-secret-of-the-test";
        var check = await ReadmeShell.RunAsync(CheckSignature, Path.GetTempPath(), ShortCommand,
            new Dictionary<string, string> { ["BODY"] = body, ["SECRET"] = secret });
        Assert.True(check.ExitCode == 0, $"'{CheckSignature}' exited {check.ExitCode}:\n{check.Output}");
        var signature = Convert.ToHexStringLower(WgSupervisor.Host.Notifications.WebhookDispatcher.Sign(Encoding.UTF8.GetBytes(secret),
            Encoding.UTF8.GetBytes(body)));
        Assert.EndsWith("= " + signature, check.Output.Trim());
    }

    [SkippableFact]
    public async Task The_local_PostgreSQL_starts_as_written()
    {
        RequireRoot();
        RequireTools("git", "setsid", "pg_lsclusters");
        var root = await clone.RootAsync();
        // Idempotent: CI's set-up started the same cluster already; a second start leaves it running and its role in place.
        var start = await ReadmeShell.RunAsync(StartPostgres, root, TimeSpan.FromMinutes(2));
        output.WriteLine($"$ {StartPostgres}\n{start.Output}");
        Assert.True(start.ExitCode == 0, $"'{StartPostgres}' exited {start.ExitCode}:\n{start.Output}");
    }

    private async Task RunUntilHealthyThenStopAsync(string command, string directory, Uri url, IReadOnlyDictionary<string, string>? set,
        Func<Task> whileRunning)
    {
        using var running = ReadmeShell.Start(command, directory, set);
        bool stoppedInTime;
        try
        {
            await WaitUntilHealthyAsync(running, url, StartWithBuild);
            await whileRunning();
        }
        finally
        {
            stoppedInTime = await running.StopAsync(StopBound);
            output.WriteLine($"$ {command}   (in {directory})\n{running.Output}");
        }
        Assert.True(stoppedInTime, $"'{command}' and what it started did not end within {StopBound.TotalSeconds} s of SIGTERM");
    }

    private static async Task WaitUntilHealthyAsync(ReadmeShell.RunningCommand command, Uri url, TimeSpan limit)
    {
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(3) };
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (command.HasExited) Assert.Fail($"'{command.Command}' exited ({command.Process.ExitCode}) before answering on {url}:\n{command.Output}");
            try
            {
                using var answer = await http.GetAsync("/healthz");
                if (answer.StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Still building or starting.
            }
            await Task.Delay(500);
        }
        Assert.Fail($"'{command.Command}' did not answer /healthz on {url} within {limit.TotalMinutes} min:\n{command.Output}");
    }

    private static async Task WaitForStateAsync(string tunnel, string state, TimeSpan limit)
    {
        // A request that times out here fails the test (unlike the start's polling above, which asks again): its bound is a short
        // command's, not 3 s, which a loaded machine can overrun.
        using var http = new HttpClient { BaseAddress = ReadmeUrl, Timeout = ShortCommand };
        var deadline = DateTime.UtcNow + limit;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            last = await http.GetStringAsync($"/api/tunnels/{tunnel}");
            if (JsonNode.Parse(last)?["state"]?.GetValue<string>() == state) return;
            await Task.Delay(500);
        }
        Assert.Fail($"{tunnel} did not become {state} within {limit.TotalSeconds} s: {last}");
    }

    private async Task<string> RunShortAsync(string command, string directory, IReadOnlyDictionary<string, string>? set = null)
    {
        var run = await ReadmeShell.RunAsync(command, directory, ShortCommand, set);
        output.WriteLine($"$ {command}\n{run.Output}");
        Assert.True(run.ExitCode == 0, $"'{command}' exited {run.ExitCode}:\n{run.Output}");
        return run.Output;
    }

    /// <summary>
    /// What of the demo's lab is still there after it stopped (its namespaces, its wireguard-go processes), removed now so
    /// that a failing run leaves nothing behind either; each name carries the lab's run id.
    /// </summary>
    private static async Task<List<string>> RemoveLabLeftoversAsync(string runId)
    {
        var leftovers = new List<string>();
        foreach (var pid in ReadmeShell.ProcessesWhoseCommandLineHas("wireguard-go", runId))
        {
            leftovers.Add($"wireguard-go PID {pid}");
            ReadmeShell.Kill(pid);
        }
        var namespaces = await OwnProcess.RunAsync("ip", ["netns", "list"], ShortCommand);
        foreach (var name in namespaces.Output.Split('\n').Select(l => l.Split(' ')[0]).Where(n => n.StartsWith($"wgs-{runId}-", StringComparison.Ordinal)))
        {
            leftovers.Add($"namespace {name}");
            var pids = await OwnProcess.RunAsync("ip", ["netns", "pids", name], ShortCommand);
            foreach (var pid in pids.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)) ReadmeShell.Kill(int.Parse(pid));
            await OwnProcess.RunAsync("ip", ["netns", "del", name], ShortCommand);
        }
        var netnsEtc = $"/etc/netns/wgs-{runId}-gw";
        if (Directory.Exists(netnsEtc))
        {
            leftovers.Add(netnsEtc);
            Directory.Delete(netnsEtc, recursive: true);
        }
        return leftovers;
    }

    private static void RequireRoot()
    {
        if (Environment.UserName == "root") return;
        if (Prerequisites.InCi) Assert.Fail("CI=true but the README commands run as root (README: as root) and this is not root");
        Skip.If(true, "skipped: README's commands are run as root");
    }

    private static void RequireTools(params string[] tools)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]);
        var missing = tools.Where(tool => !path.Any(dir => File.Exists(Path.Combine(dir, tool)))).ToList();
        if (missing.Count == 0) return;
        var why = $"not installed: {string.Join(", ", missing)}";
        if (Prerequisites.InCi) Assert.Fail($"CI=true but a prerequisite is missing: {why}");
        Skip.If(true, $"skipped: {why}");
    }

    /// <summary>README's commands use README's address; another program holding it is a clear failure, not a silent skip.</summary>
    private static void RequireReadmePortFree()
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, ReadmeUrl.Port);
            probe.Start();
            probe.Stop();
        }
        catch (SocketException e)
        {
            Assert.Fail($"README's address {ReadmeUrl} is in use by another program ({e.SocketErrorCode}); the README commands need it");
        }
    }
}
