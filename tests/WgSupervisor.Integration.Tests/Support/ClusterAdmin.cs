using System.Diagnostics;
using System.Text.Json.Nodes;

namespace WgSupervisor.Integration.Tests.Support;

/// <summary>The admin APIs of a <see cref="ClusterLab"/>'s nodes, as the cluster tests ask them (each node at its LAN address).</summary>
public static class ClusterAdmin
{
    public const int Port = 5080;

    /// <summary>A client of node <paramref name="node"/>'s admin API with the admin token (off loopback every route needs one).</summary>
    public static HttpClient Client(ClusterLab lab, int node)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://{lab.NodeAddress(node)}:{Port}"), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", SupervisorProcess.AdminToken);
        return client;
    }

    public static async Task<bool> HealthyAsync(HttpClient client)
    {
        try
        {
            return (await client.GetAsync("/healthz")).IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public static async Task<JsonNode> GetAsync(HttpClient client, string path) => JsonNode.Parse(await client.GetStringAsync(path))!;

    /// <summary>Asks every half second until <paramref name="condition"/> holds; a node not answering (starting, restarting) is asked again.</summary>
    public static async Task WaitAsync(string what, TimeSpan limit, Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        for (var attempt = 0; attempt < 10_000 && clock.Elapsed < limit; attempt++)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not answering yet: ask again.
            }
            await Task.Delay(500);
        }
        throw new TimeoutException($"waited {limit.TotalSeconds:0} s for: {what}");
    }
}
