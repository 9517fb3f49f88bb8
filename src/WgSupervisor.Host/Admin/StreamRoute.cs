using System.Text.Json;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Hosting;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Domain.Tunnels;
using static WgSupervisor.Actors.Fleet.FleetProtocol;
using static WgSupervisor.Actors.Tunnels.TunnelToFleet;

namespace WgSupervisor.Host.Admin;

/// <summary>
/// /api/stream: server-sent events for live views. First every tunnel, then each change as it happens
/// (event "tunnel", data: the tunnel as /api/tunnels/{name} shows it), and a comment line every 15 s so
/// that proxies keep the connection open.
/// </summary>
public static class StreamRoute
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static void MapStreamRoute(this RouteGroupBuilder api)
    {
        api.MapGet("/stream", async (HttpContext http, IRequiredActor<FleetActor> fleet, ActorSystem system, IHostApplicationLifetime lifetime,
            CancellationToken requestAborted) =>
        {
            // Ends with the client, or when the host stops: an open stream must not hold up a shutdown.
            using var ending = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, lifetime.ApplicationStopping);
            var ct = ending.Token;
            var changes = Channel.CreateBounded<TunnelSummary>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });
            var listener = system.ActorOf(Props.Create(() => new ChangeListener(changes.Writer)));
            try
            {
                http.Response.ContentType = "text/event-stream";
                http.Response.Headers.CacheControl = "no-cache";
                var json = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>()
                    .Value.SerializerOptions;
                var initial = await fleet.ActorRef.Ask<TunnelList>(new GetTunnels(), AdminEndpoints.AskTimeout, ct);
                foreach (var tunnel in initial.Tunnels) await WriteAsync(http, tunnel, system, json, ct);
                await http.Response.Body.FlushAsync(ct);
                while (!ct.IsCancellationRequested)
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    wait.CancelAfter(Heartbeat);
                    try
                    {
                        var change = await changes.Reader.ReadAsync(wait.Token);
                        await WriteAsync(http, change, system, json, ct);
                        while (changes.Reader.TryRead(out var more)) await WriteAsync(http, more, system, json, ct);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        await http.Response.WriteAsync(": keep-alive\n\n", ct);
                    }
                    await http.Response.Body.FlushAsync(ct);
                }
            }
            catch (OperationCanceledException)
            {
                // The client went away.
            }
            finally
            {
                system.Stop(listener);
            }
        }).WithSummary("Server-sent events: every tunnel, then each change")
            .WithName("streamTunnels").WithTags(ApiTags.Tunnels).Produces<string>(StatusCodes.Status200OK, "text/event-stream");
    }

    private static Task WriteAsync(HttpContext http, TunnelSummary tunnel, ActorSystem system, JsonSerializerOptions json, CancellationToken ct) =>
        http.Response.WriteAsync($"event: tunnel\ndata: {JsonSerializer.Serialize(TunnelResource.From(tunnel, system.Scheduler.Now), json)}\n\n", ct);

    /// <summary>Hands the fleet's published changes to one stream's channel.</summary>
    private sealed class ChangeListener : ReceiveActor
    {
        public ChangeListener(ChannelWriter<TunnelSummary> writer)
        {
            Receive<TunnelChanged>(c => writer.TryWrite(c.Summary));
        }

        protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(TunnelChanged));

        protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
    }
}
