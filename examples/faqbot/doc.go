// Command faqbot shows the FAQ chatbot (package chatbot/faq, R2) answering
// a help desk's contacts before any person does, offline: a memory store,
// an in-memory channel (channel.NewMemoryTransport), no network and no
// setup.
//
//	go run ./examples/faqbot                 # the scripted exchange
//	go run ./examples/faqbot -i              # write as a contact, one message a line
//	go run ./examples/faqbot -i -lang en     # … in English
//	go run ./examples/faqbot -faq my.json    # your own FAQ file instead of the sample
//
// The channel's settings name the bot (channel.Bot{Name: "faq"}) and the
// engine has it registered (Config.Bots), so a new conversation on the
// channel is held by the bot: it waits in no queue, and the bot answers
// each of the contact's messages. By default the program plays a short
// script: a Spanish question answered (after the bot's greeting), an
// English one answered in a second conversation, "quiero hablar con un
// humano" handing the first conversation off into the queue with the
// bot's note for the agent, and an agent's reply that takes the
// conversation, after which the bot answers no more. With -i the
// contact's lines come from stdin and each is shown with the bot's
// answers or its hand-off.
//
// The bot's turns run after Engine.Receive returns, as a durable reaction
// in the background; the program waits for each through the events the
// engine publishes (bot.turn_finished for the conversation), and prints
// the bot's messages as the store keeps them. The clock stands still
// unless the script moves it, and ids are sequential
// (contactcenter.SequentialIDs), so the output is the same every run.
//
// -faq reads a host's FAQ file (JSON, see faq.Set; faq.SampleFile is a
// starting point). A file that cannot be read or parsed stops the program
// with the reason (the line or entry at fault) and exit code 2.
package main
