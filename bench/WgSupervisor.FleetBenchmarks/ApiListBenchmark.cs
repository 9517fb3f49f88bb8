using System.Diagnostics;
using System.Globalization;
using System.Net;
using WgSupervisor.FleetBenchmarks.Support;
using WgSupervisor.Testing;

namespace WgSupervisor.FleetBenchmarks;

/// <summary>
/// GET /api/tunnels at 1,000 simulated tunnels (polled every 5 s, one breaking every 10 s, so the list changes as it would),
/// with 4 clients asking back to back. Each arm is one way of asking; the first is the answer as it was built before the
/// cache (every request asks the fleet for every tunnel, maps and serializes them: `?limit=N` takes that path today) and
/// the others are what a client gets now. Latency is from sending the request to the last byte of the body; bytes are
/// the body as it travels (compressed when it is). Both arms run in the same process, one after the other.
/// </summary>
public static class ApiListBenchmark
{
    private sealed record Arm(string Name, string Path, string? AcceptEncoding, bool Conditional);

    private sealed record Answer(double Milliseconds, long Bytes, HttpStatusCode Status);

    public static async Task<int> RunAsync(Options options)
    {
        var tunnels = options.Integer("tunnels", 1000);
        var clients = options.Integer("clients", 4);
        var seconds = options.Number("seconds", 10);
        var poll = options.Number("poll", 5);
        var keepLog = options.OptionalText("keep-log");
        options.RejectUnknown();

        var arms = new List<Arm>
        {
            // Filled in with a real name once the fleet is up: what one small answer costs on this machine now.
            new("reference: one tunnel (GET /api/tunnels/{name})", "", null, false),
            new($"before: the whole list built per request (?limit={tunnels}), uncompressed", $"/api/tunnels?limit={tunnels}", null, false),
            new($"before + per-request compression (?limit={tunnels}, gzip by the middleware)", $"/api/tunnels?limit={tunnels}", "gzip", false),
            new("after: cached list, uncompressed", "/api/tunnels", null, false),
            new("after: cached list, gzip", "/api/tunnels", "gzip", false),
            new("after: cached list, br", "/api/tunnels", "br, gzip", false),
            new("after: cached list, br + If-None-Match (304 while unchanged)", "/api/tunnels", "br, gzip", true),
            new("after: a filtered page (?state=healthy&limit=50), br", "/api/tunnels?state=healthy&limit=50", "br, gzip", false),
        };

        var files = FleetSupervisor.NewRun("api-list");
        var port = SupervisorProcess.FreePort();
        var config = new
        {
            NodeName = "api-list",
            Admin = new { Url = $"http://127.0.0.1:{port}" },
            PollIntervalSeconds = poll,
            Backend = "Simulated",
            CommonCause = new { Enabled = false },
            Simulation = new { Tunnels = tunnels, BreakEverySeconds = 10, Seed = 1 },
            Journal = new { Provider = "Sqlite", SqlitePath = Path.Combine(files.Directory, "journal.db") },
        };
        Console.WriteLine($"api-list: {tunnels} simulated tunnels, poll {poll} s, one breaks every 10 s; {clients} clients asking back to back, " +
                          $"{seconds:0} s per arm after a 1-s warm-up; {Environment.ProcessorCount} cores shared by clients and supervisor; " +
                          $"load average before: {BenchArguments.LoadAverage()}");

        await using var run = await FleetSupervisor.StartAsync(files, port, config);
        await run.WaitUntilAsync("every tunnel recovered and observed (/readyz 200)", TimeSpan.FromSeconds(120), async () =>
            (await run.Http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK);

        var someTunnel = (await run.GetJsonAsync("/api/tunnels")).AsArray()[0]!["name"]!.GetValue<string>();
        arms[0] = arms[0] with { Path = $"/api/tunnels/{someTunnel}" };

        using var http = new HttpClient(new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = clients * 2,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        }) { BaseAddress = run.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };

        var table = new Table("arm", "answers", "answers/s", "p50 ms", "p99 ms", "max ms", "bytes per answer", "statuses", "p99 ≤ 10 ms");
        foreach (var arm in arms)
        {
            await MeasureAsync(http, arm, clients, TimeSpan.FromSeconds(1));
            var answers = await MeasureAsync(http, arm, clients, TimeSpan.FromSeconds(seconds));
            var latencies = answers.Select(a => a.Milliseconds).Order().ToList();
            var p99 = Percentile(latencies, 0.99);
            table.Row(arm.Name, answers.Count, (answers.Count / seconds).ToString("0", CultureInfo.InvariantCulture),
                Percentile(latencies, 0.50).ToString("0.00", CultureInfo.InvariantCulture), p99.ToString("0.00", CultureInfo.InvariantCulture),
                latencies[^1].ToString("0.0", CultureInfo.InvariantCulture),
                answers.Average(a => a.Bytes).ToString("0", CultureInfo.InvariantCulture),
                string.Join(" ", answers.GroupBy(a => (int)a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}")),
                p99 <= 10 ? "met" : "missed");
        }
        Console.WriteLine($"load average after: {BenchArguments.LoadAverage()}");
        table.Print();
        if (keepLog is not null) run.Log.CopyTo(keepLog);
        return 0;
    }

    /// <summary>Every client asks again as soon as its answer is in, until the time is up.</summary>
    private static async Task<List<Answer>> MeasureAsync(HttpClient http, Arm arm, int clients, TimeSpan duration)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var perClient = await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            var answers = new List<Answer>();
            string? entityTag = null;
            while (Stopwatch.GetTimestamp() < until)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, arm.Path);
                if (arm.AcceptEncoding is not null) request.Headers.TryAddWithoutValidation("Accept-Encoding", arm.AcceptEncoding);
                if (arm.Conditional && entityTag is not null) request.Headers.TryAddWithoutValidation("If-None-Match", entityTag);
                var started = Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                var body = await response.Content.ReadAsByteArrayAsync();
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.NotModified))
                    throw new InvalidOperationException($"GET {arm.Path}: {(int)response.StatusCode}");
                if (response.Headers.ETag is { } tag) entityTag = tag.ToString();
                answers.Add(new Answer(elapsed, body.Length, response.StatusCode));
            }
            return answers;
        }));
        return perClient.SelectMany(a => a).ToList();
    }

    private static double Percentile(List<double> sorted, double fraction) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Count) - 1, 0, sorted.Count - 1)];
}
