using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using WgSupervisor.Integration.Tests.Support;
using WgSupervisor.Lab;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// wgsup, the built command-line client, run as a process against the real supervisor supervising a real lab of two
/// wireguard-go sites: what it prints, what it changes, and its exit codes (0 ok, 1 refused, 3 unreachable).
/// </summary>
[Collection(RealWireGuardCollection.Name)]
public sealed class CliTests(ITestOutputHelper output)
{
    private static readonly TimeSpan EpisodeLimit = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task The_cli_reads_status_restarts_pauses_and_resumes_tunnels_of_the_real_supervisor()
    {
        Prerequisites.RequireWireGuardLab();
        var lab = await WireGuardLab.CreateAsync(new LabOptions(Sites: 2, PersistentKeepaliveSeconds: 5));
        var runs = new List<CliRun>();
        try
        {
            using var config = new SupervisorConfigFile(new { });
            var port = SupervisorProcess.FreePort();
            // Stale only after 150 s: every repair in this test is one the CLI asked for.
            File.WriteAllText(config.FilePath, SupervisorProcess.ToJson(SupervisorConfigFile.ForLab(lab, port, config.JournalPath, staleAfterSeconds: 150)));
            await using var supervisor = await SupervisorProcess.StartAsync(config.FilePath, new Uri($"http://127.0.0.1:{port}"));
            await supervisor.WaitForStateAsync("site1", "healthy", EpisodeLimit);
            await supervisor.WaitForStateAsync("site2", "healthy", EpisodeLimit);
            var url = supervisor.BaseUrl.ToString();
            var tokenFile = Path.Combine(config.Directory, "admin-token");
            await File.WriteAllTextAsync(tokenFile, SupervisorProcess.AdminToken + "\n");

            async Task<CliRun> Wgsup(params string[] args)
            {
                var run = await CliRun.RunAsync(args);
                output.WriteLine($"$ wgsup {string.Join(' ', args)}\n{run}");
                runs.Add(run);
                return run;
            }

            // status: a table with both tunnels, and JSON that parses.
            var status = await Wgsup("status", "--url", url);
            Assert.True(status.ExitCode == 0, status.ToString());
            Assert.Contains(status.Out.Split('\n'), line => line.Contains("site1") && line.Contains("healthy") && line.Contains("itest"));
            Assert.Contains(status.Out.Split('\n'), line => line.Contains("site2") && line.Contains("healthy"));
            var statusJson = await Wgsup("status", "--json", "--url", url);
            Assert.Equal(0, statusJson.ExitCode);
            var tunnels = JsonNode.Parse(statusJson.Out)!.AsArray();
            Assert.Equal(["site1", "site2"], tunnels.Select(t => t!["name"]!.GetValue<string>()).Order());

            // show: a tunnel in full; an unknown one is a failure with the problem's title and detail.
            var show = await Wgsup("show", "site1", "--url", url);
            Assert.True(show.ExitCode == 0, show.ToString());
            Assert.Contains(lab.Sites[0].SitePublicKey, show.Out);
            var unknown = await Wgsup("show", "no-such-tunnel", "--url", url);
            Assert.Equal(1, unknown.ExitCode);
            Assert.Contains("Tunnel not found: no tunnel named 'no-such-tunnel' is supervised here", unknown.Error);

            // restart without the token: 401, its detail on stderr, nothing changed.
            var refused = await Wgsup("restart", "site2", "--url", url);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("send the admin token as 'Authorization: Bearer TOKEN'", refused.Error);

            // restart with the token and an operator name: accepted, and the history says who asked.
            var restart = await Wgsup("restart", "site2", "--url", url, "--token-file", tokenFile, "--operator", "alice.cli");
            Assert.True(restart.ExitCode == 0, restart.ToString());
            Assert.StartsWith("site2: ", restart.Out);
            await supervisor.WaitForEventSequenceAsync("site2", EpisodeLimit, "healthy", "stale", "repair-started", "repair-finished", "healthy");
            var events = await Wgsup("events", "site2", "--json", "--url", url);
            Assert.Equal(0, events.ExitCode);
            var started = JsonNode.Parse(events.Out)!.AsArray().First(e => e!["type"]!.GetValue<string>() == "repair-started")!;
            Assert.Contains("alice.cli", started["requestedBy"]!.GetValue<string>());
            var eventTable = await Wgsup("events", "site2", "--url", url);
            Assert.Contains(eventTable.Out.Split('\n'), line => line.Contains("repair-started") && line.Contains("alice.cli"));

            // pause, then resume: paused, then healthy again. The token comes from the environment here.
            var withToken = new Dictionary<string, string> { ["WGSUPERVISOR_ADMIN_TOKEN"] = SupervisorProcess.AdminToken };
            var pause = await CliRun.RunAsync(["pause", "site1", "--reason", "cli test", "--url", url, "--operator", "bob"], withToken);
            runs.Add(pause);
            Assert.True(pause.ExitCode == 0, pause.ToString());
            await supervisor.WaitForStateAsync("site1", "paused", EpisodeLimit);
            var paused = await Wgsup("status", "--state", "paused", "--json", "--url", url);
            Assert.Equal(["site1"], JsonNode.Parse(paused.Out)!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
            var resume = await CliRun.RunAsync(["resume", "site1", "--url", url], withToken);
            runs.Add(resume);
            Assert.True(resume.ExitCode == 0, resume.ToString());
            await supervisor.WaitForStateAsync("site1", "healthy", EpisodeLimit);

            // The site commands: both spellings.
            var pauseSite = await CliRun.RunAsync(["pause-site", "site2", "--url", url], withToken);
            runs.Add(pauseSite);
            Assert.True(pauseSite.ExitCode == 0, pauseSite.ToString());
            Assert.Contains("site2", pauseSite.Out);
            await supervisor.WaitForStateAsync("site2", "paused", EpisodeLimit);
            var resumeSite = await CliRun.RunAsync(["site", "resume", "site2", "--url", url], withToken);
            runs.Add(resumeSite);
            Assert.True(resumeSite.ExitCode == 0, resumeSite.ToString());
            await supervisor.WaitForStateAsync("site2", "healthy", EpisodeLimit);

            // watch --json: every tunnel from the stream, one document a line, and Ctrl-C (SIGINT) ends it with 0.
            var watch = await CliRun.WatchUntilInterruptedAsync(["watch", "--json", "--url", url], lines =>
                lines.Select(l => JsonNode.Parse(l)!["name"]!.GetValue<string>()).Distinct().Count() == 2);
            runs.Add(watch);
            output.WriteLine($"$ wgsup watch --json\n{watch}");
            Assert.True(watch.ExitCode == 0, watch.ToString());

            // Nobody listening: unreachable.
            var unreachable = await Wgsup("status", "--url", $"http://127.0.0.1:{SupervisorProcess.FreePort()}");
            Assert.Equal(3, unreachable.ExitCode);
            Assert.Contains("connection refused", unreachable.Error);

            Assert.All(runs, run => Assert.DoesNotContain(SupervisorProcess.AdminToken, run.Out + run.Error));
        }
        finally
        {
            await lab.DisposeAsync();
            Assert.Empty(lab.Leftovers());
        }
    }

    /// <summary>One run of the built wgsup.dll (`dotnet wgsup.dll ...`), with the caller's environment but no wgsup settings of its own.</summary>
    private sealed record CliRun(int ExitCode, string Out, string Error)
    {
        private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(60);

        public override string ToString() => $"exit {ExitCode}\n{Out}{(Error.Length > 0 ? "--- stderr ---\n" + Error : "")}";

        public static string Assembly
        {
            get
            {
                var directory = new DirectoryInfo(AppContext.BaseDirectory);
                var configuration = directory.Parent?.Name ?? "Debug"; // bin/<Configuration>/net10.0/
                while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WgSupervisor.sln"))) directory = directory.Parent;
                if (directory is null) throw new InvalidOperationException("cannot find WgSupervisor.sln above the test directory");
                var path = Path.Combine(directory.FullName, "src", "WgSupervisor.Cli", "bin", configuration, "net10.0", "wgsup.dll");
                return File.Exists(path) ? path : throw new InvalidOperationException($"the CLI is not built: {path}");
            }
        }

        private static Process Start(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment)
        {
            var startInfo = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            startInfo.ArgumentList.Add(Assembly);
            foreach (var argument in args) startInfo.ArgumentList.Add(argument);
            startInfo.Environment.Remove("WGSUPERVISOR_URL");
            startInfo.Environment.Remove("WGSUPERVISOR_ADMIN_TOKEN");
            if (environment is not null)
                foreach (var (key, value) in environment) startInfo.Environment[key] = value;
            return Process.Start(startInfo) ?? throw new InvalidOperationException("dotnet did not start");
        }

        public static async Task<CliRun> RunAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null)
        {
            using var process = Start(args, environment);
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(RunLimit);
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"wgsup {string.Join(' ', args)} did not exit within {RunLimit.TotalSeconds} s");
            }
            return new CliRun(process.ExitCode, await stdout, await stderr);
        }

        /// <summary>Runs a command that only ends on Ctrl-C: reads its lines until <paramref name="enough"/> holds, then sends SIGINT.</summary>
        public static async Task<CliRun> WatchUntilInterruptedAsync(IReadOnlyList<string> args, Func<IReadOnlyList<string>, bool> enough)
        {
            using var process = Start(args, null);
            var lines = new List<string>();
            var stderr = process.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(RunLimit);
            try
            {
                // Bounded by the limit: ReadLineAsync is cancelled when it passes.
                while (!enough(lines) && await process.StandardOutput.ReadLineAsync(limit.Token) is { } line) lines.Add(line);
                if (!enough(lines)) throw new InvalidOperationException($"wgsup ended before the expected output:\n{string.Join('\n', lines)}\n{await stderr}");
                // SIGINT is what Ctrl-C sends; our own child, addressed by PID.
                using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString()])) await interrupt.WaitForExitAsync(limit.Token);
                var rest = await process.StandardOutput.ReadToEndAsync(limit.Token);
                await process.WaitForExitAsync(limit.Token);
                var all = new StringBuilder().AppendJoin('\n', lines).Append('\n').Append(rest).ToString();
                return new CliRun(process.ExitCode, all, await stderr);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"wgsup {string.Join(' ', args)} did not finish within {RunLimit.TotalSeconds} s:\n{string.Join('\n', lines)}");
            }
        }
    }
}
