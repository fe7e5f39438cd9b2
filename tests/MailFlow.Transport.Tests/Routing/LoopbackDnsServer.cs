using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailFlow.Transport.Tests.Routing;

/// <summary>
/// An authoritative DNS server on a loopback UDP port with a fixed zone: enough of RFC 1035 to answer
/// MX, A and AAAA questions (and NXDOMAIN), so that DnsClient's real wire protocol is exercised.
/// </summary>
public sealed class LoopbackDnsServer : IAsyncDisposable
{
    private const ushort TypeA = 1;
    private const ushort TypeMx = 15;
    private const ushort TypeAaaa = 28;
    private readonly UdpClient socket = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource stopping = new();
    private readonly Dictionary<string, List<(ushort Type, byte[] Data)>> zone = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> existing = new(StringComparer.OrdinalIgnoreCase);
    private readonly Task loop;

    public LoopbackDnsServer() => loop = Task.Run(ServeAsync);

    public IPEndPoint EndPoint => (IPEndPoint)socket.Client.LocalEndPoint!;

    /// <summary>Questions answered so far, as "name TYPE".</summary>
    public List<string> Questions { get; } = [];

    public LoopbackDnsServer Mx(string domain, ushort preference, string exchange)
    {
        var data = new List<byte>();
        data.AddRange([(byte)(preference >> 8), (byte)preference]);
        data.AddRange(EncodeName(exchange));
        return Add(domain, TypeMx, [.. data]);
    }

    public LoopbackDnsServer Address(string name, string address)
    {
        var ip = IPAddress.Parse(address);
        return Add(name, ip.AddressFamily == AddressFamily.InterNetwork ? TypeA : TypeAaaa, ip.GetAddressBytes());
    }

    /// <summary>The name exists (NOERROR) even when it has no record of the asked type.</summary>
    public LoopbackDnsServer Exists(string name)
    {
        existing.Add(name);
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        socket.Dispose();
        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stopping.Dispose();
    }

    private LoopbackDnsServer Add(string name, ushort type, byte[] data)
    {
        existing.Add(name);
        if (!zone.TryGetValue(name, out var records))
        {
            zone[name] = records = [];
        }

        records.Add((type, data));
        return this;
    }

    private async Task ServeAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            UdpReceiveResult request;
            try
            {
                request = await socket.ReceiveAsync(stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var response = Answer(request.Buffer);
            if (response is not null)
            {
                await socket.SendAsync(response, request.RemoteEndPoint, stopping.Token);
            }
        }
    }

    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 12)
        {
            return null;
        }

        // Question: labels up to the zero byte, then QTYPE and QCLASS (RFC 1035 §4.1.2).
        var position = 12;
        var labels = new List<string>();
        while (position < query.Length && query[position] != 0)
        {
            labels.Add(Encoding.ASCII.GetString(query, position + 1, query[position]));
            position += query[position] + 1;
        }

        var questionEnd = position + 5;
        var name = string.Join('.', labels);
        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(position + 1));
        lock (Questions)
        {
            Questions.Add($"{name} {(type == TypeMx ? "MX" : type == TypeA ? "A" : type == TypeAaaa ? "AAAA" : type.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        }

        var answers = zone.TryGetValue(name, out var records) ? records.Where(r => r.Type == type).ToList() : [];
        var response = new List<byte>();
        response.AddRange(query.AsSpan(0, 2).ToArray()); // ID
        var rcode = existing.Contains(name) ? 0 : 3; // NXDOMAIN for names the zone does not have
        response.AddRange([0x84, (byte)(0x80 | rcode)]); // QR, AA, RA
        response.AddRange([0, 1, (byte)(answers.Count >> 8), (byte)answers.Count, 0, 0, 0, 0]);
        response.AddRange(query.AsSpan(12, questionEnd - 12).ToArray());
        foreach (var (recordType, data) in answers)
        {
            response.AddRange([0xC0, 0x0C, (byte)(recordType >> 8), (byte)recordType, 0, 1, 0, 0, 0, 60, (byte)(data.Length >> 8), (byte)data.Length]);
            response.AddRange(data);
        }

        return [.. response];
    }

    private static byte[] EncodeName(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        return [.. bytes];
    }
}
