//go:build zmq

package zmq

import (
	"strings"

	zmq4 "github.com/pebbe/zmq4"

	"github.com/ipcsuite/ipcsuite/helpers/proc"
)

// The "zsock" peer drives one libzmq socket, made and used by the role's
// goroutine on its locked thread, one command at a time, each answered on
// one line: "ok", received text ("-" for an empty part, " more" after a
// part that has more to follow), the address bound, or the error's name
// (EFSM, EAGAIN, ...). Text is one word; "-" is an empty part.
//
//	socket TYPE      REQ, REP, PUSH, PULL or DEALER
//	bind ADDR        answers the address bound, with its port
//	connect ADDR
//	send TEXT [more]
//	sizes N...       one message of pattern(N) bytes for each N
//	recv             one part
//	close
//	exit             exit 0 without closing
func init() {
	proc.Register("zsock", zsockRole)
}

var socketTypes = map[string]zmq4.Type{
	"REQ": zmq4.REQ, "REP": zmq4.REP, "PUSH": zmq4.PUSH, "PULL": zmq4.PULL, "DEALER": zmq4.DEALER,
}

func zsockRole([]string) int {
	var s *Socket
	for {
		cmd := proc.AwaitCommand()
		switch cmd[0] {
		case "socket":
			typ, ok := socketTypes[cmd.Arg(1)]
			if !ok {
				proc.Fatalf("zsock: unknown socket type %q", cmd.Arg(1))
			}
			var err error
			s, err = NewSocket(typ)
			proc.Tell(answer(err))
		case "bind":
			if err := s.Bind(cmd.Arg(1)); err != nil {
				proc.Tell(ErrName(err))
				continue
			}
			ep, err := s.LastEndpoint()
			proc.Check(err, "last endpoint")
			proc.Tell(ep)
		case "connect":
			proc.Tell(answer(s.Connect(cmd.Arg(1))))
		case "send":
			more := len(cmd) > 2 && cmd.Arg(2) == "more"
			proc.Tell(answer(s.Send(fromText(cmd.Arg(1)), more)))
		case "sizes":
			var err error
			for i := 1; i < len(cmd) && err == nil; i++ {
				err = s.Send(pattern(cmd.Num(i)), false)
			}
			proc.Tell(answer(err))
		case "recv":
			part, more, err := s.Recv()
			if err != nil {
				proc.Tell(ErrName(err))
				continue
			}
			proc.Tell(partText(part, more))
		case "close":
			proc.Tell(answer(s.Close()))
		case "exit":
			return 0
		default:
			proc.Fatalf("zsock: unknown command %q", strings.Join(cmd, " "))
		}
	}
}

func answer(err error) string {
	if err == nil {
		return "ok"
	}
	return ErrName(err)
}

func fromText(text string) []byte {
	if text == "-" {
		return nil
	}
	return []byte(text)
}

// partText renders a received part as the peer answers it.
func partText(part []byte, more bool) string {
	text := string(part)
	if len(part) == 0 {
		text = "-"
	}
	if more {
		text += " more"
	}
	return text
}

// pattern is n bytes that depend on n and on each byte's place, so that a
// message cut, merged with another or shifted does not pass for one of n.
func pattern(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + n)
	}
	return p
}
