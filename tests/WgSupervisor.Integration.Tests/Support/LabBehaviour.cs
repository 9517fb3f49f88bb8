using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using WgSupervisor.Lab;

namespace WgSupervisor.Integration.Tests.Support;

/// <summary>
/// What the quarantine, maintenance and discovery tests share: a lab configuration with a few settings changed, the
/// history of one tunnel as a list of types, and a check that something stays true for a bounded time (for "the
/// supervisor does NOT repair" there is no signal to wait for: only a time longer than a repair would take); with the
/// real-WireGuard and idle-tunnel tests, the wait of a ping that must be answered.
/// </summary>
public static class LabBehaviour
{
    /// <summary>
    /// How long one ping through a tunnel that must pass traffic waits for its answer (ping -W). Milliseconds on an idle machine; but
    /// wireguard-go, ping and the namespaces' stack run on a loaded CI machine's cores too, and a first packet may wait for a handshake
    /// (whose initiation wireguard-go sends again after 5 s): a generous wait costs nothing when the answer comes (it was 2-3 s).
    /// </summary>
    public const double PingWaitSeconds = 10;

    /// <summary><see cref="SupervisorConfigFile.ForLab"/> as JSON, changed by <paramref name="change"/>, written to the file.</summary>
    public static void WriteConfig(SupervisorConfigFile file, WireGuardLab lab, int port, Action<JsonObject> change, double staleAfterSeconds = 150)
    {
        var config = JsonSerializer.SerializeToNode(SupervisorConfigFile.ForLab(lab, port, file.JournalPath, staleAfterSeconds: staleAfterSeconds))!.AsObject();
        change(config);
        File.WriteAllText(file.FilePath, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    public static async Task<IReadOnlyList<string>> EventTypesAsync(SupervisorProcess supervisor, string tunnel) =>
        (await supervisor.EventsAsync(tunnel)).Select(e => e!["type"]!.GetValue<string>()).ToList();

    /// <summary>The types of the tunnel's events after the last one of type <paramref name="marker"/>.</summary>
    public static async Task<IReadOnlyList<string>> EventTypesAfterAsync(SupervisorProcess supervisor, string tunnel, string marker)
    {
        var types = await EventTypesAsync(supervisor, tunnel);
        var last = types.ToList().LastIndexOf(marker);
        if (last < 0) throw new InvalidOperationException($"{tunnel} has no '{marker}' event: {string.Join(", ", types)}");
        return types.Skip(last + 1).ToList();
    }

    /// <summary>Checks <paramref name="invariant"/> every half second for <paramref name="duration"/>; fails at its first breach.</summary>
    public static async Task HoldsForAsync(string what, TimeSpan duration, Func<Task<string?>> invariant)
    {
        var clock = Stopwatch.StartNew();
        for (var check = 0; check < 10_000; check++)
        {
            if (await invariant() is { } breach) throw new Xunit.Sdk.XunitException($"after {clock.Elapsed.TotalSeconds:0.0} s, no longer {what}: {breach}");
            if (clock.Elapsed >= duration) return;
            await Task.Delay(500);
        }
    }

    public static async Task<HttpResponseMessage> PostAsync(SupervisorProcess supervisor, string path, object? body = null, string? operatorName = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (body is not null) request.Content = System.Net.Http.Json.JsonContent.Create(body);
        if (operatorName is not null) request.Headers.Add("X-Operator", operatorName);
        return await supervisor.Http.SendAsync(request);
    }
}
