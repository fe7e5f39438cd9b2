using BenchmarkDotNet.Running;
using MailFlow.Benchmarks;

// `generate-smtp-receive-log PATH MEGABYTES` writes the synthetic log bench/log-readers.sh reads.
if (args is ["generate-smtp-receive-log", var path, var megabytes])
{
    var sessions = SmtpReceiveLogGenerator.Write(path, long.Parse(megabytes, System.Globalization.CultureInfo.InvariantCulture) * 1024 * 1024);
    Console.WriteLine($"{path}: {sessions} sessions");
    return 0;
}

// `smtp-load --port P [--messages N] [--concurrency C] [--size-kib K] [--starttls] [--per-connection M]`: bench/'s load generator.
if (args is ["smtp-load", .. var load])
{
    return SmtpLoad.Run(load);
}

// `tls-sink --port P --cert PEM --key PEM --expect N`: the receiving end of bench/outbound.sh.
if (args is ["tls-sink", .. var sink])
{
    return TlsSink.Run(sink);
}

// `outbound-connect --port P --count N --ca PEM`: the per-connection cost of the outbound path.
if (args is ["outbound-connect", .. var connect])
{
    return OutboundConnect.Run(connect);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
