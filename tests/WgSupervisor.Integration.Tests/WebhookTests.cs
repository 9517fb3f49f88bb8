using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using WgSupervisor.Integration.Tests.Support;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// Webhooks against a receiver on 127.0.0.1: the chosen transitions arrive as JSON, signed with
/// HMAC-SHA256 over the body, and a delivery the receiver refuses (500) is retried with the same id.
/// </summary>
public sealed class WebhookTests
{
    private const string Secret = "webhook-test-secret-7c1e";

    [Fact]
    public async Task Stale_and_recovered_tunnels_are_notified_signed_and_retried_after_a_refusal()
    {
        var receiverPort = SupervisorProcess.FreePort();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{receiverPort}/hook/");
        receiver.Start();
        var deliveries = new ConcurrentQueue<(string Id, string Event, string Signature, byte[] Body, int Status)>();
        var refusedOnce = 0;
        using var stopReceiving = new CancellationTokenSource();
        var receiving = Task.Run(async () =>
        {
            while (!stopReceiving.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await receiver.GetContextAsync().WaitAsync(stopReceiving.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                // The very first delivery is refused once: it must come again with the same id.
                var status = Interlocked.Exchange(ref refusedOnce, 1) == 0 ? 500 : 200;
                deliveries.Enqueue((context.Request.Headers["X-WgSupervisor-Delivery"] ?? "", context.Request.Headers["X-WgSupervisor-Event"] ?? "",
                    context.Request.Headers["X-WgSupervisor-Signature"] ?? "", body.ToArray(), status));
                context.Response.StatusCode = status;
                context.Response.Close();
            }
        });

        using var config = new SupervisorConfigFile(new { });
        var secretFile = Path.Combine(config.Directory, "webhook.secret");
        await File.WriteAllTextAsync(secretFile, Secret);
        var port = SupervisorProcess.FreePort();
        File.WriteAllText(config.FilePath, SupervisorProcess.ToJson(new
        {
            NodeName = "hooks",
            Admin = new { Url = $"http://127.0.0.1:{port}" },
            PollIntervalSeconds = 0.5,
            Backend = "Simulated",
            // The simulation breaks tunnels independently; held as one common cause, they would not be repaired at all.
            CommonCause = new { Enabled = false },
            Simulation = new { Tunnels = 4, BreakEverySeconds = 1, RepairSeconds = 0.1, FixProbability = 1.0 },
            Journal = new { Provider = "Sqlite", SqlitePath = config.JournalPath },
            Webhooks = new[] { new { Url = $"http://127.0.0.1:{receiverPort}/hook/", Events = new[] { "stale", "recovered" }, SecretFile = secretFile } },
            Defaults = new { StaleAfterSeconds = 2, VerifyTimeoutSeconds = 2, Repair = new[] { "restart-interface" } },
        }));
        await using (var supervisor = await SupervisorProcess.StartAsync(config.FilePath, new Uri($"http://127.0.0.1:{port}")))
        {
            await supervisor.WaitUntilAsync("stale and recovered notices, one retried", TimeSpan.FromSeconds(60), () => Task.FromResult(
                deliveries.Any(d => d.Event == "recovered" && d.Status == 200) && deliveries.Any(d => d.Event == "stale" && d.Status == 200) &&
                deliveries.GroupBy(d => d.Id).Any(g => g.Count() >= 2)));
        }
        await stopReceiving.CancelAsync();
        // Close, not Stop and then Close: on Linux the second one binds the port again for a moment to remove it.
        receiver.Close();
        await receiving;

        var all = deliveries.ToList();
        Assert.All(all, d => Assert.Contains(d.Event, new[] { "stale", "recovered" }));
        foreach (var (id, kind, signature, body, _) in all)
        {
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), body));
            Assert.Equal(expected, signature);
            var json = JsonNode.Parse(body)!;
            Assert.Equal(kind, json["event"]!.GetValue<string>());
            Assert.Equal(id, json["id"]!.GetValue<string>());
            Assert.Equal("hooks", json["node"]!.GetValue<string>());
            Assert.StartsWith("sim", json["interface"]!.GetValue<string>());
        }
        var retried = all.GroupBy(d => d.Id).First(g => g.Count() >= 2).ToList();
        Assert.Equal(500, retried[0].Status);
        Assert.Equal(200, retried[1].Status);
        Assert.Equal(retried[0].Body, retried[1].Body);
    }
}
