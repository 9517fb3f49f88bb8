using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using WgSupervisor.Lab;

namespace WgSupervisor.Benchmarks.Support;

/// <summary>
/// The supervisor as a real process (`dotnet wgsupervisor.dll --config FILE`) on a free loopback port, in a
/// temporary directory of its own (config and SQLite journal). A small copy of what the integration tests'
/// SupervisorProcess does. Disposing stops it by PID (SIGTERM, then kill) and removes the directory.
/// </summary>
public sealed class SupervisorRunner : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly string _directory;

    private SupervisorRunner(Process process, Uri baseUrl, string directory)
    {
        _process = process;
        _directory = directory;
        Http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(10) };
    }

    public HttpClient Http { get; }
    public int ProcessId => _process.Id;

    /// <summary>src/WgSupervisor.Host/bin/&lt;Configuration&gt;/net10.0/wgsupervisor.dll, found from this program's own bin directory.</summary>
    public static string HostAssembly
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = directory.Parent?.Name ?? "Release"; // bin/<Configuration>/net10.0/
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WgSupervisor.sln"))) directory = directory.Parent;
            if (directory is null) throw new InvalidOperationException("cannot find WgSupervisor.sln above the benchmark's directory");
            var path = Path.Combine(directory.FullName, "src", "WgSupervisor.Host", "bin", configuration, "net10.0", "wgsupervisor.dll");
            return File.Exists(path)
                ? path
                : throw new InvalidOperationException($"the host is not built: {path} (dotnet build src/WgSupervisor.Host -c {configuration})");
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// The configuration of the fault-class integration tests: poll 1 s, ICMP probe to the site's tunnel address
    /// every 1 s (timeout 0.8 s, stale after 3 failures), handshake threshold 150 s, ladder re-resolve → reset peer →
    /// restart interface, backoff 2 s ×2 capped at 4 s.
    /// </summary>
    public static object ConfigFor(WireGuardLab lab, int port, string journalPath, double verifyTimeoutSeconds) => new
    {
        NodeName = "bench",
        Admin = new { Url = $"http://127.0.0.1:{port}" },
        PollIntervalSeconds = 1,
        MaxConcurrentRestarts = 2,
        Journal = new { Provider = "Sqlite", SqlitePath = journalPath },
        Discover = false,
        Defaults = new
        {
            StaleAfterSeconds = 150,
            VerifyTimeoutSeconds = verifyTimeoutSeconds,
            Backoff = new { BaseSeconds = 2, Factor = 2, CapSeconds = 4 },
            Repair = new[] { "reresolve-endpoint", "reset-peer", "restart-interface" },
        },
        Tunnels = lab.Sites.Select(site => new
        {
            Name = $"site{site.Index}",
            Interface = site.GatewayInterface,
            PeerPublicKey = site.SitePublicKey,
            Namespace = lab.GatewayNamespace,
            WgQuickConfig = site.GatewayConfPath,
            Site = $"site{site.Index}",
            Probe = new { Kind = "icmp", Address = site.TunnelAddress, IntervalSeconds = 1, TimeoutSeconds = 0.8, Failures = 3 },
        }).ToArray(),
    };

    public static async Task<SupervisorRunner> StartAsync(WireGuardLab lab, double verifyTimeoutSeconds, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"wgs-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var port = FreePort();
        var configPath = Path.Combine(directory, "wgsupervisor.json");
        await File.WriteAllTextAsync(configPath,
            JsonSerializer.Serialize(ConfigFor(lab, port, Path.Combine(directory, "journal.db"), verifyTimeoutSeconds), new JsonSerializerOptions { WriteIndented = true }),
            cancellationToken);
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        startInfo.ArgumentList.Add(HostAssembly);
        startInfo.ArgumentList.Add("--config");
        startInfo.ArgumentList.Add(configPath);
        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new InvalidOperationException("dotnet did not start");
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
        var runner = new SupervisorRunner(process, new Uri($"http://127.0.0.1:{port}"), directory);
        process.OutputDataReceived += (_, e) => runner.Append(e.Data);
        process.ErrorDataReceived += (_, e) => runner.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await runner.WaitUntilAsync("the host answers /healthz", StartTimeout, cancellationToken, async () =>
            {
                if (process.HasExited) throw new InvalidOperationException($"the host exited with {process.ExitCode}:\n{runner.Tail()}");
                try
                {
                    return (await runner.Http.GetAsync("/healthz", cancellationToken)).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return false;
                }
            });
            return runner;
        }
        catch
        {
            await runner.DisposeAsync();
            throw;
        }
    }

    public async Task<JsonNode?> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Http.GetAsync(path, cancellationToken);
            return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) : null;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>The tunnel is Healthy and its probe answered last time.</summary>
    public async Task<bool> IsHealthyAsync(string tunnel, CancellationToken cancellationToken)
    {
        var json = await GetJsonAsync($"/api/tunnels/{tunnel}", cancellationToken);
        return json?["state"]?.GetValue<string>() == "healthy" && json["probe"]?["lastSucceeded"]?.GetValue<bool?>() == true;
    }

    /// <summary>The tunnel's history as (type, rung, reason) triples, oldest first; empty if unreadable.</summary>
    public async Task<IReadOnlyList<(string Type, string? Rung, string? Reason)>> EventsAsync(string tunnel, CancellationToken cancellationToken)
    {
        var json = await GetJsonAsync($"/api/tunnels/{tunnel}/events", cancellationToken);
        var items = json as JsonArray ?? json?["items"] as JsonArray ?? json?["events"] as JsonArray ?? [];
        return items.Where(e => e is JsonObject).Select(e => (
            e!["type"]?.GetValue<string>() ?? "?",
            e["rung"] is JsonValue rung ? rung.ToString() : null,
            e["reason"] is JsonValue reason ? reason.ToString() : null)).ToList();
    }

    /// <summary>Polls a condition until it holds or the limit passes (bounded in time and count).</summary>
    public async Task WaitUntilAsync(string what, TimeSpan limit, CancellationToken cancellationToken, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        for (var attempt = 0; clock.Elapsed < limit && attempt < 10_000; attempt++)
        {
            if (await condition()) return;
            await Task.Delay(250, cancellationToken);
        }
        throw new TimeoutException($"waited {limit.TotalSeconds:0} s for: {what}\n--- supervisor output ---\n{Tail()}");
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > 60) _tail.Dequeue();
        }
    }

    public string Tail()
    {
        lock (_tail) return string.Join('\n', _tail);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM lets the host stop its actor system; our own child, ended by its PID.
            try
            {
                using var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
                await term.WaitForExitAsync();
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
        Http.Dispose();
        _process.Dispose();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }
}
