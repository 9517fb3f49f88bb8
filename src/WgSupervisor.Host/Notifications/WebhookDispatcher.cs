using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Akka.Actor;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Host.Configuration;

namespace WgSupervisor.Host.Notifications;

/// <summary>
/// Delivers webhook notices without ever holding up supervision: the actor that listens to the event stream
/// only drops notices into a bounded queue per webhook; a background loop per webhook posts them in order,
/// signed with HMAC-SHA256 (X-WgSupervisor-Signature: sha256=HEX over the body), retrying with exponential
/// backoff on errors and 5xx/408/429 answers. A full queue drops its oldest notice, with a warning.
/// </summary>
public sealed class WebhookDispatcher : BackgroundService
{
    public const string SignatureHeader = "X-WgSupervisor-Signature";
    public const string EventHeader = "X-WgSupervisor-Event";
    public const string DeliveryHeader = "X-WgSupervisor-Delivery";
    private const int QueueLength = 10_000;
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(60);

    private readonly IReadOnlyList<(WebhookSettings Hook, Channel<WebhookNotice> Queue)> _hooks;
    private readonly HttpClient _http;
    private readonly ActorSystem _system;
    private readonly ILogger<WebhookDispatcher> _log;
    private IActorRef _listener = ActorRefs.Nobody;

    public WebhookDispatcher(IReadOnlyList<WebhookSettings> hooks, ActorSystem system, ILogger<WebhookDispatcher> log)
    {
        _hooks = hooks.Select(h => (h, Channel.CreateBounded<WebhookNotice>(new BoundedChannelOptions(QueueLength)
        {
            FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true,
        }, dropped => log.LogWarning("Webhook queue full: dropped notice {Id}", dropped.Id)))).ToList();
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        _system = system;
        _log = log;
    }

    public static byte[] Sign(byte[] secret, byte[] body) => HMACSHA256.HashData(secret, body);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_hooks.Count == 0) return Task.CompletedTask;
        _listener = _system.ActorOf(Props.Create(() => new Listener(this)), "webhooks");
        return Task.WhenAll(_hooks.Select(h => DeliverLoopAsync(h.Hook, h.Queue.Reader, stoppingToken)));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _system.Stop(_listener);
        await base.StopAsync(cancellationToken);
    }

    private void Enqueue(WebhookNotice notice)
    {
        foreach (var (hook, queue) in _hooks)
            if (hook.Events.Contains(notice.Event)) queue.Writer.TryWrite(notice);
    }

    private async Task DeliverLoopAsync(WebhookSettings hook, ChannelReader<WebhookNotice> queue, CancellationToken stopping)
    {
        try
        {
            await foreach (var notice in queue.ReadAllAsync(stopping)) await DeliverAsync(hook, notice, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(WebhookSettings hook, WebhookNotice notice, CancellationToken stopping)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(notice);
        for (var attempt = 1; attempt <= hook.MaxAttempts; attempt++)
        {
            var (delivered, retry, what) = await PostAsync(hook, notice, body, stopping);
            if (delivered) return;
            if (!retry || attempt == hook.MaxAttempts)
            {
                _log.LogWarning("Webhook {Url}: notice {Id} not delivered after {Attempts} attempt(s): {What}", hook.Display, notice.Id, attempt, what);
                return;
            }
            var delay = TimeSpan.FromTicks(Math.Min(LastRetry.Ticks, FirstRetry.Ticks << Math.Min(attempt - 1, 10)));
            _log.LogInformation("Webhook {Url}: {What}; retrying notice {Id} in {Delay}", hook.Display, what, notice.Id, delay);
            await Task.Delay(delay, stopping);
        }
    }

    private async Task<(bool Delivered, bool Retry, string What)> PostAsync(WebhookSettings hook, WebhookNotice notice, byte[] body,
        CancellationToken stopping)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add(EventHeader, notice.Event);
        request.Headers.Add(DeliveryHeader, notice.Id);
        if (hook.Secret is { } secret) request.Headers.Add(SignatureHeader, "sha256=" + Convert.ToHexStringLower(Sign(secret, body)));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        limit.CancelAfter(hook.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, limit.Token);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode) return (true, false, "delivered");
            var retry = code >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
            return (false, retry, $"answered {code}");
        }
        catch (HttpRequestException e)
        {
            return (false, true, e.Message);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return (false, true, $"no answer within {hook.Timeout.TotalSeconds:0} s");
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    /// <summary>Turns recorded events into notices; never waits.</summary>
    private sealed class Listener : ReceiveActor
    {
        public Listener(WebhookDispatcher dispatcher)
        {
            Receive<TunnelProtocol.EventRecorded>(recorded =>
            {
                if (WebhookNotice.From(recorded) is { } notice) dispatcher.Enqueue(notice);
            });
        }

        protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(TunnelProtocol.EventRecorded));
    }
}
