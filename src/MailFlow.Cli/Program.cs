using MailFlow.Cli;

return MailFlowCli.Run(args, Console.Out, Console.Error);
