extension ChatTemplate {
    /// The template to use when a model ships none: the Gemma turn format for `gemma*` architectures
    /// (Google's Gemma 3 template: the system prompt is prepended to the first user turn, the assistant
    /// role is named `model`, and `bos_token` is emitted first), ChatML for everything else.
    public static func builtin(forArchitecture arch: String) -> ChatTemplate {
        let source = arch.lowercased().hasPrefix("gemma") ? BuiltinTemplates.gemma : BuiltinTemplates.chatML
        do {
            return try ChatTemplate(source: source)
        } catch {
            // The sources are constants covered by tests; this cannot depend on user input.
            preconditionFailure("built-in chat template does not parse: \(error)")
        }
    }
}

enum BuiltinTemplates {
    /// The ChatML template transformers used as its default: no implicit system prompt.
    static let chatML = #"""
        {% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}
        """#

    /// Google's Gemma 3 instruction-tuned chat template (tokenizer_config.json of gemma-3-*-it).
    static let gemma = #"""
        {{ bos_token }}
        {%- if messages[0]['role'] == 'system' -%}
            {%- if messages[0]['content'] is string -%}
                {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
            {%- else -%}
                {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}
            {%- endif -%}
            {%- set loop_messages = messages[1:] -%}
        {%- else -%}
            {%- set first_user_prefix = "" -%}
            {%- set loop_messages = messages -%}
        {%- endif -%}
        {%- for message in loop_messages -%}
            {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
                {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
            {%- endif -%}
            {%- if (message['role'] == 'assistant') -%}
                {%- set role = "model" -%}
            {%- else -%}
                {%- set role = message['role'] -%}
            {%- endif -%}
            {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}
            {%- if message['content'] is string -%}
                {{ message['content'] | trim }}
            {%- elif message['content'] is iterable -%}
                {%- for item in message['content'] -%}
                    {%- if item['type'] == 'image' -%}
                        {{ '<start_of_image>' }}
                    {%- elif item['type'] == 'text' -%}
                        {{ item['text'] | trim }}
                    {%- endif -%}
                {%- endfor -%}
            {%- else -%}
                {{ raise_exception("Invalid content type") }}
            {%- endif -%}
            {{ '<end_of_turn>\n' }}
        {%- endfor -%}
        {%- if add_generation_prompt -%}
            {{'<start_of_turn>model\n'}}
        {%- endif -%}

        """#
}
